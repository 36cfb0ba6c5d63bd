"""The fake read model the gateway's unit tests use answers every read as the real one does.

Rows are written by the projector's own write path (plan_batch, then ProjectionStore.write_batch)
into a database of their own, from the contract's example story plus releases cut from it at
other points and in another organisation; the fake is loaded with the same rows, then the same
cases are asked of both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from events.approval import ApprovalRequested
from events.base import Event, Message
from events.drafting import DraftCreated
from events.embargo import EmbargoLiftDeferred
from events.envelope import Envelope
from events.kafka import encode
from events.schemas.examples import RELEASE_ID, examples
from services.kit.migrations import apply_migrations
from services.kit.settings import Settings
from services.projector.batch import Consumed, plan_batch, route
from services.projector.bootstrap import MIGRATIONS, SCHEMA
from services.projector.store import ProjectionStore
from services.read_models import public, tables
from services.read_models.embargoes import ACTIVE, embargo_calendar
from services.read_models.model import InboxFilter, ReadModel, ReleaseFilter
from services.read_models.postgres import PostgresReadModel
from tests.fakes.read_model import FakeReadModel
from tests.integration.own_database import database_of_its_own

pytestmark = pytest.mark.integration
OPEN = "contract-open"  # cut at its approval request: its stages are in the inbox
OTHER = "contract-other"  # the same story in another organisation, cut there too
HELD = "contract-held"  # cut while its embargo holds: its copy is readable


def story() -> list[Envelope[Message]]:
    """The examples in story order, and two releases cut from them."""
    every = sorted(examples().values(), key=lambda envelope: envelope.time)
    mine = [e for e in every if isinstance(e.data, Event) and e.data.release_id == RELEASE_ID]
    asked = next(n for n, e in enumerate(mine) if isinstance(e.data, ApprovalRequested)) + 1
    held = next(n for n, e in enumerate(mine) if isinstance(e.data, EmbargoLiftDeferred)) + 1
    return [
        *every,
        *rekeyed(mine[:asked], OPEN),
        *rekeyed(mine[:asked], OTHER, "mod"),
        *rekeyed(mine[:held], HELD),
    ]


def rekeyed(
    envelopes: list[Envelope[Message]], release_id: str, organisation: str | None = None
) -> list[Envelope[Message]]:
    out = []
    for envelope in envelopes:
        data = envelope.data.model_copy(update={"release_id": release_id})
        if organisation is not None and isinstance(data, DraftCreated):
            content = data.content.model_copy(update={"organisations": [organisation]})
            data = data.model_copy(update={"content": content})
        update = {"data": data, "subject": release_id, "id": f"{release_id}:{envelope.id}"}
        out.append(envelope.model_copy(update=update))
    return out


async def project(conn: asyncpg.Connection[Any], envelopes: list[Envelope[Message]]) -> None:
    """What the projector does with one batch of records."""
    batch = []
    for offset, envelope in enumerate(envelopes):
        record = encode(envelope)
        consumed = Consumed("contract", 0, offset, record.key, record.value, tuple(record.headers))
        batch.append((consumed, route(consumed)))
    plan = plan_batch(batch, {})
    async with conn.transaction():
        await ProjectionStore().write_batch(conn, "contract", plan)


@dataclass
class Both:
    real: PostgresReadModel
    fake: FakeReadModel
    conn: asyncpg.Connection[Any]


@pytest_asyncio.fixture(scope="module")
async def both(infra: Settings) -> AsyncIterator[Both]:
    async with database_of_its_own(infra, "contract") as dsn:
        conn = await asyncpg.connect(dsn)
        real = PostgresReadModel(dsn)
        try:
            await apply_migrations(conn, SCHEMA, MIGRATIONS)
            await project(conn, story())
            await real.start()
            yield Both(real, await loaded_fake(real, conn), conn)
        finally:
            await real.stop()
            await conn.close()


async def loaded_fake(real: PostgresReadModel, conn: asyncpg.Connection[Any]) -> FakeReadModel:
    """The fake holding the tables' rows as the real read model returns them, in its order."""
    ids = [r["release_id"] for r in await conn.fetch("SELECT release_id FROM projections.releases")]
    commands = await conn.fetch("SELECT command_id FROM projections.command_outcomes")
    copies = await conn.fetch("SELECT release_id, recipient FROM projections.embargoed_copies")
    fake = FakeReadModel(
        releases_by_id={i: row for i in ids if (row := await real.release(i)) is not None},
        history_by_id={i: await real.history(i) for i in ids},
        outcomes={
            c["command_id"]: row
            for c in commands
            if (row := await real.command_outcome(c["command_id"])) is not None
        },
        copies={
            (c["release_id"], c["recipient"]): row
            for c in copies
            if (row := await real.embargoed_copy(c["release_id"], c["recipient"])) is not None
        },
        subscriber_rows=await real.subscribers(500, 0),
    )
    fake.inbox = await table(
        conn, tables.APPROVAL_INBOX, "approval_inbox",
        "opened DESC, deadline_at ASC NULLS LAST, requested_at, release_id, stage",
    )  # fmt: skip
    fake.calendar = await table(conn, tables.EMBARGO_CALENDAR, "embargo_calendar", "lift_at")
    fake.public = [
        public._public(row)
        for row in await conn.fetch(
            f"SELECT {public.PUBLIC_COLUMNS} FROM projections.public_feed AS f"
            " ORDER BY f.public_updated_at DESC, f.release_id"
        )
    ]
    deliveries = await conn.fetch("SELECT release_id FROM projections.deliveries")
    fake.deliveries = [
        row
        for release_id in sorted({r["release_id"] for r in deliveries})
        for row in await real.release_deliveries(release_id)
    ]
    return fake


async def table(
    conn: asyncpg.Connection[Any], columns: tuple[str, ...], name: str, order: str
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {', '.join(columns)} FROM projections.{name} ORDER BY {order}, release_id"
    )
    return [dict(row) for row in rows]


def test_the_story_fills_every_table_the_cases_read(both: Both) -> None:
    fake = both.fake
    assert len(fake.releases_by_id) >= 5 and fake.inbox and fake.calendar and fake.copies
    assert fake.public and fake.subscriber_rows and fake.deliveries and fake.outcomes


POLICY, LEGAL = ("approver:policy",), ("approver:legal",)
CASES: list[tuple[str, tuple[Any, ...]]] = [
    ("releases", (ReleaseFilter(),)),
    ("releases", (ReleaseFilter(status="draft"),)),
    ("releases", (ReleaseFilter(status="submitted"),)),
    ("releases", (ReleaseFilter(org="fco"),)),
    ("releases", (ReleaseFilter(org="mod", status="submitted"),)),
    ("releases", (ReleaseFilter(org="nobody"),)),
    ("releases", (ReleaseFilter(q="japan"),)),
    ("releases", (ReleaseFilter(limit=2, offset=1),)),
    ("release", (OPEN,)),
    ("release", ("no-such-release",)),
    ("history", (RELEASE_ID,)),
    ("history", (OTHER,)),
    ("approval_inbox", (InboxFilter(POLICY, "fco"),)),
    ("approval_inbox", (InboxFilter((*POLICY, *LEGAL), "mod"),)),
    ("approval_inbox", (InboxFilter((*POLICY, *LEGAL), "fco", limit=1, offset=1),)),
    ("approval_inbox", (InboxFilter(LEGAL, "fco", stage="legal"),)),
    ("approval_inbox", (InboxFilter(LEGAL, "fco", stage="policy"),)),
    ("approval_inbox", (InboxFilter(("writer",), "fco"),)),
    ("approval_inbox", (InboxFilter(POLICY, None),)),
    ("embargo_calendar", ("fco", None, 100, 0)),
    ("embargo_calendar", ("fco", "lifted", 100, 0)),
    ("embargo_calendar", ("fco", "scheduled", 100, 0)),
    ("embargo_calendar", ("mod", None, 100, 0)),
    ("public_feed", (20, 0)),
    ("public_feed", (1, 1)),
    ("subscribers", (50, 0)),
    ("release_deliveries", (RELEASE_ID,)),
    ("release_deliveries", (OPEN,)),
    ("embargoed_copy", (HELD, "nobody")),
]  # fmt: skip


@pytest.mark.parametrize(("read", "args"), CASES, ids=[f"{r}{a}" for r, a in CASES])
async def test_the_fake_answers_as_the_real_read_model(
    both: Both, read: str, args: tuple[Any, ...]
) -> None:
    assert await ask(both.fake, read, args) == await ask(both.real, read, args)


async def test_the_calendar_shows_what_is_still_to_lift_first_however_many_have_lifted(
    both: Both,
) -> None:
    """By lift time alone, 60 lifted embargoes filled the first page (50) and hid the next one
    to lift (found by tests/e2e/test_embargo_http.py on a test database used twice)."""
    lifted_long_ago = [
        (f"past-{n:02d}", datetime(2001, 1, 1, tzinfo=UTC) + timedelta(days=n)) for n in range(60)
    ]
    rolled_back = both.conn.transaction()  # the module's other cases read the same tables
    await rolled_back.start()
    try:
        await both.conn.executemany(
            "INSERT INTO projections.embargo_calendar (release_id, lift_at, title,"
            " lead_organisation, status, has_recipients) VALUES ($1, $2, 'Past', 'fco', 'lifted',"
            " false)",
            lifted_long_ago,
        )
        page = await embargo_calendar(both.conn, "fco", None, 50, 0)
        everything = await embargo_calendar(both.conn, "fco", None, 500, 0)
    finally:
        await rolled_back.rollback()
    faked = await FakeReadModel(calendar=everything[::-1]).embargo_calendar("fco", None, 50, 0)
    still_to_lift = [row for row in everything if row["status"] in ACTIVE]
    assert still_to_lift, "the story holds an embargo still to lift"
    assert page[: len(still_to_lift)] == still_to_lift
    lifted = [row["lift_at"] for row in page if row["status"] not in ACTIVE]
    assert lifted == sorted(lifted, reverse=True)
    assert faked == page


async def test_slugs_subscribers_copies_and_outcomes_are_found_alike(both: Both) -> None:
    subscribers = both.fake.subscriber_rows
    delivered = [*subscribers, {"subscriber_id": "newsdesk-email"}]
    slugs = {row["slug"] for row in both.fake.public} | {
        row["slug_if_taken"] for row in both.fake.public
    }
    asked = [
        *(("public_release", (slug,)) for slug in [*sorted(slugs), "no-such-slug"]),
        *(("subscriber", (row["subscriber_id"],)) for row in subscribers),
        ("subscriber", ("no-such-subscriber",)),
        *(("embargoed_copy", key) for key in both.fake.copies),
        ("embargoed_copy", (RELEASE_ID, "nobody")),
        *(("command_outcome", (command_id,)) for command_id in both.fake.outcomes),
        *(("subscriber_deliveries", (r["subscriber_id"], n)) for r in delivered for n in (1, 9)),
    ]  # fmt: skip
    for read, args in asked:
        assert await ask(both.fake, read, args) == await ask(both.real, read, args), (read, args)


async def test_a_watch_answers_alike(both: Both) -> None:
    version = both.fake.releases_by_id[OPEN]["versions"]["drafting"]
    for wanted in (version, version + 1):
        answers = []
        for model in (both.fake, both.real):
            async with model.watching(OPEN) as watch:
                answers.append(
                    await watch.until(wanted, "drafting", 0.1, await model.release(OPEN))
                )
        assert answers[0] == answers[1]
        assert answers[0][0] is (wanted == version)


async def ask(model: ReadModel, read: str, args: tuple[Any, ...]) -> Any:
    answer: Any = await getattr(model, read)(*args)
    return answer
