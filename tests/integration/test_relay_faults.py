"""The relay under records Kafka refuses and under a restored backup, with the real drafting
service: no row holds up the others, and no new row is taken for one already on Kafka."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import cast

import asyncpg
import pytest

from events.actor import Actor
from events.content import ContentChanges, Quote, ReleaseContent
from events.drafting import CreateDraft, ReviseDraft
from events.kafka import encode
from events.replies import OutcomeStatus
from events.topics import DRAFTING_COMMANDS, DRAFTING_EVENTS
from operator_tools.stuck import stuck
from services.kit.limits import MAX_EVENT_BYTES
from tests.e2e.stack_fixture import Stack, drafting_answers
from tests.integration.crashing_service import as_crashing
from tests.integration.pg_faults import dump_schema, restore_schema
from tests.support import command_envelope, eventually, read_topic, send_command, send_record

pytestmark = pytest.mark.integration
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
# One character each, four bytes each in UTF-8: content limits count the first.
WIDE = "\U0001f600"


def create(release_id: str) -> CreateDraft:
    content = ReleaseContent(title="UK and Japan talks", organisations=["fco"])
    return CreateDraft(release_id=release_id, actor=ALICE, content=content)


def revise(release_id: str, version: int, changes: ContentChanges) -> ReviseDraft:
    return ReviseDraft(
        release_id=release_id, actor=ALICE, expected_version=version, changes=changes
    )


async def test_a_revision_whose_event_cannot_fit_is_refused_naming_the_limit_in_bytes(
    stack: Stack,
) -> None:
    bootstrap, release = stack.settings.kafka_bootstrap, str(uuid.uuid4())
    assert (await send_command(bootstrap, DRAFTING_COMMANDS, create(release))).stream_version == 1
    body = ContentChanges(body=WIDE * 100_000)  # a DraftRevised of about 400 kB: it fits
    first = await send_command(bootstrap, DRAFTING_COMMANDS, revise(release, 1, body))
    assert first.status is OutcomeStatus.ACCEPTED
    # Every other field at its limit in characters: 600 kB more, a DraftRevised of 1,001,902
    # bytes, just over the limit (each field within its own).
    rest = ContentChanges(
        quotes=[Quote(text=WIDE * 5000, attribution="Minister")] * 20,
        notes_to_editors=WIDE * 20_000,
        people=[WIDE * 200] * 50, topics=[WIDE * 200] * 50, locations=[WIDE * 200] * 50,
    )  # fmt: skip
    refused = await send_command(bootstrap, DRAFTING_COMMANDS, revise(release, 2, rest))
    assert refused.status is OutcomeStatus.INVALID and refused.problem is not None
    assert refused.problem.type == "urn:pressroom:problem:event-too-large"
    assert f"{MAX_EVENT_BYTES} bytes" in (refused.problem.detail or "")
    later = await send_command(bootstrap, DRAFTING_COMMANDS, create(str(uuid.uuid4())))
    assert later.status is OutcomeStatus.ACCEPTED


async def test_a_record_kafka_refuses_is_set_aside_and_the_rows_behind_it_go_out(
    stack: Stack,
) -> None:
    marker = uuid.uuid4().hex.encode()
    conn = await asyncpg.connect(stack.settings.pg_dsn)
    try:  # written by an older version, or a bug: larger than any producer sends
        await conn.execute(
            "INSERT INTO drafting.outbox (topic, key, value, header_keys, header_values)"
            " VALUES ($1, $2, $3, $4, $5)",
            DRAFTING_EVENTS, b"too-large", b"x" * 1_200_000, ["test_marker"], [marker],
        )  # fmt: skip
        later = await send_command(
            stack.settings.kafka_bootstrap, DRAFTING_COMMANDS, create(str(uuid.uuid4()))
        )
        assert later.status is OutcomeStatus.ACCEPTED
        row = cast(
            asyncpg.Record,
            await conn.fetchrow(
                "SELECT id, published_at, set_aside_at, set_aside_reason FROM drafting.outbox"
                " WHERE $1 = ANY(header_values)",
                marker,
            ),
        )
        listed = [s.ref for s in await stuck(conn) if s.schema == "drafting"]
    finally:
        await conn.close()
    assert row["published_at"] is None and row["set_aside_at"] is not None
    assert "MessageSizeTooLargeError" in row["set_aside_reason"]
    assert f"{row['id']} → {DRAFTING_EVENTS}" in listed  # `pressroom stuck` shows it


async def test_after_a_restore_from_an_earlier_backup_every_new_event_reaches_kafka(
    stack: Stack, tmp_path: Path
) -> None:
    settings, drafting = stack.settings, stack.processes["drafting"]
    await drafting_answers(settings)
    backup = tmp_path / "drafting.sql"
    await dump_schema(settings, "drafting", backup)
    for _ in range(5):  # newer work: Kafka keeps it, the backup does not have it
        await send_command(settings.kafka_bootstrap, DRAFTING_COMMANDS, create(str(uuid.uuid4())))
    drafting.stop()
    await restore_schema(settings, backup)
    crashing = as_crashing(drafting, "relay-off")  # new rows wait for the relay's start
    crashing.start()
    releases = [str(uuid.uuid4()) for _ in range(5)]
    for release in releases:
        await send_record(
            settings.kafka_bootstrap, DRAFTING_COMMANDS, encode(command_envelope(create(release)))
        )
    await eventually(lambda: _pending(settings.pg_dsn, 10), 120, "the new rows committed")
    crashing.kill()
    drafting.start()
    await drafting_answers(settings)
    wanted = {release.encode() for release in releases}
    on_kafka = await read_topic(
        settings.kafka_bootstrap, DRAFTING_EVENTS, lambda r: r.key in wanted
    )
    assert sorted(r.key for r in on_kafka if r.key) == sorted(wanted)  # each once, none missing


async def _pending(dsn: str, at_least: int) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        pending = await conn.fetchval(
            "SELECT count(*) FROM drafting.outbox WHERE published_at IS NULL"
        )
        return int(pending) >= at_least
    finally:
        await conn.close()
