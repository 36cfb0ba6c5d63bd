"""Two instances of every service and of the projector, as `pressroom serve` processes in their
groups; whole lifecycles sent straight to Kafka; one instance of each SIGKILLed under load, once
both had handled work. Every command has one outcome, nothing is lost, each release's events
are in order in the read model, and the killed ones' partitions moved to the survivors."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import asyncpg
import pytest

from events.content import ReleaseContent
from events.drafting import CreateDraft, SubmitDraft
from events.embargo import SetEmbargo
from events.publication import PublishRelease
from events.replies import OutcomeStatus
from events.topics import (
    APPROVAL_COMMANDS,
    DRAFTING_COMMANDS,
    EMBARGO_COMMANDS,
    PUBLICATION_COMMANDS,
    REPLIES,
)
from services.kit.settings import Settings
from tests.integration.embargo_support import ALICE, PAULA, send_all
from tests.integration.race_support import _approval, _requests, envelopes_of
from tests.integration.serve_support import Served, serve
from tests.support import eventually

# Its pairs must be the groups' only members: with the e2e session stack's processes beside
# them, 4 partitions over 3 members went 2, 2 and 0, and one instance never worked.
pytestmark = [pytest.mark.integration, pytest.mark.before_session_stack]
PROCESSES = ("drafting", "approval", "embargo", "publication", "projector")
# Enough that the load still flows once a rebalance settles: with 30, faster services once
# handled all of it while one projector held every partition, and the other never worked.
RELEASES = 60
WAIT_S = 300.0
# Far enough for every SetEmbargo to be decided before its lift on a loaded machine, even one
# held by the killed embargo instance until its partitions moved (40 s was not).
LIFT_IN = timedelta(seconds=90)
Pairs = dict[str, tuple[Served, Served]]


@pytest.fixture
def pairs(infra: Settings, tmp_path: Path) -> Iterator[Pairs]:
    started = {
        name: (serve(name, tmp_path / f"{name}-a.log"), serve(name, tmp_path / f"{name}-b.log"))
        for name in PROCESSES
    }
    try:
        yield started
    finally:
        for pair in started.values():
            for served in pair:
                served.stop()


async def readyz(served: Served) -> bool:
    assert served.process.poll() is None, served.log.read_text()[-3000:]
    return await asyncio.to_thread(served.readyz) is not None


def metric(served: Served, name: str) -> float:
    """The sum of a counter's samples on the instance's /metrics (0 when it is down)."""
    _, _, body = served.get("/metrics")
    rows = [row for row in body.decode().splitlines() if row.startswith(f"{name}_total")]
    return sum(float(row.split()[-1]) for row in rows)


COUNTERS = {name: "pressroom_commands_handled" for name in PROCESSES[:-1]}
COUNTERS["projector"] = "pressroom_projector_records"


async def handled(pair: tuple[Served, Served], name: str) -> float:
    return sum([await asyncio.to_thread(metric, served, COUNTERS[name]) for served in pair])


async def both_worked(pair: tuple[Served, Served], name: str) -> bool:
    counts = [await asyncio.to_thread(metric, served, COUNTERS[name]) for served in pair]
    return all(count > 0 for count in counts)


async def under_load(pairs: Pairs, load: Awaitable[Any], *names: str) -> Any:
    """Runs the load and, while it flows, SIGKILLs the first instance of each named process once
    both instances handled work and this load reached them."""
    before = {name: await handled(pairs[name], name) for name in names}
    sending = asyncio.ensure_future(load)
    for name in names:
        pair = pairs[name]

        async def flowing(pair: tuple[Served, Served] = pair, name: str = name) -> bool:
            reached = await handled(pair, name) >= before[name] + 3
            return reached and await both_worked(pair, name)

        await eventually(flowing, WAIT_S, f"both {name}s to work under this load")
        pair[0].process.kill()
        print(f"several instances: SIGKILLed one {name} at {datetime.now(UTC):%H:%M:%S}")
    return await sending


@pytest.mark.timeout(1800)
async def test_one_instance_of_each_killed_under_load_loses_nothing_and_keeps_order(
    infra: Settings, pairs: Pairs
) -> None:
    for pair in pairs.values():
        for served in pair:  # ten processes starting at once on two CPUs: minutes, not seconds
            ready = cast(Callable[[], Awaitable[bool]], lambda s=served: readyz(s))
            await eventually(ready, WAIT_S, f"{served.log.name} ready")
    bootstrap = infra.kafka_bootstrap
    ids = [f"fleet-{uuid.uuid4()}" for _ in range(RELEASES)]
    content = ReleaseContent(title="UK and Japan", body="Talks.", organisations=["fco"])
    drafts = [c for r in ids for c in (CreateDraft(release_id=r, actor=ALICE, content=content),
                                         SubmitDraft(release_id=r, actor=ALICE))]  # fmt: skip
    outcomes = await under_load(
        pairs, send_all(bootstrap, drafts, DRAFTING_COMMANDS), "drafting", "projector"
    )
    requests = await eventually(lambda: _requests(bootstrap, ids), WAIT_S, "approval requests")
    policy = [_approval(r, "policy") for r in requests]
    outcomes += await under_load(pairs, send_all(bootstrap, policy, APPROVAL_COMMANDS), "approval")
    outcomes += await send_all(
        bootstrap, [_approval(r, "legal") for r in requests], APPROVAL_COMMANDS
    )
    lift_at = (datetime.now(UTC) + LIFT_IN).replace(microsecond=0)
    embargoed, published = ids[: RELEASES // 2], ids[RELEASES // 2 :]
    embargoes = [SetEmbargo(release_id=r, actor=PAULA, lift_at=lift_at) for r in embargoed]
    publishes = [PublishRelease(release_id=r, actor=PAULA) for r in published]
    held, public = await under_load(
        pairs,
        asyncio.gather(
            send_all(bootstrap, embargoes, EMBARGO_COMMANDS),
            send_all(bootstrap, publishes, PUBLICATION_COMMANDS),
        ),
        "embargo",
        "publication",
    )
    outcomes += held + public
    refused = [o for o in outcomes if o.status is not OutcomeStatus.ACCEPTED]
    assert refused == [], refused[:3]
    await one_outcome_each(bootstrap, {o.command_id for o in outcomes})
    async with asyncpg.create_pool(infra.pg_dsn, min_size=1, max_size=2) as pool:
        await eventually(lambda: all_published(pool, ids), WAIT_S, "every release published")
        assert await history_in_order(pool, ids) == {}
        owners = await projector_owners(pool)
    # Every partition taken again since the kill: none left to the killed projector (the
    # session's own projector, when running, shares the group with the survivor).
    killed = pairs["projector"][0].process.pid
    assert owners and not any(owner.endswith(f":{killed}") for owner in owners), owners
    for name, (dead, alive) in pairs.items():
        assert dead.process.poll() is not None and alive.process.poll() is None, name
    print_peak_rss(pairs)


async def one_outcome_each(bootstrap: str, command_ids: set[str]) -> None:
    """A command handled again after a kill replays its outcome: the same one, never another."""
    replies = await envelopes_of(bootstrap, REPLIES, command_ids)
    differing = {
        command_id: {(r.data.status, r.data.stream_version) for r in found}
        for command_id, found in replies.items()
        if len({(r.data.status, r.data.stream_version) for r in found}) != 1
    }
    assert set(replies) == command_ids and differing == {}, differing


async def all_published(pool: asyncpg.Pool, ids: list[str]) -> bool:
    rows = await pool.fetch(
        "SELECT release_id, status FROM projections.releases WHERE release_id = ANY($1)", ids
    )
    return len(rows) == len(ids) and {r["status"] for r in rows} == {"published"}


async def history_in_order(pool: asyncpg.Pool, ids: list[str]) -> dict[str, list[int]]:
    """Per release and service, the stream versions of its timeline in the order the projector
    wrote them (not every event has a timeline row); returns the ones out of order or repeated."""
    rows = await pool.fetch(
        "SELECT release_id, service, stream_version FROM projections.release_history"
        " WHERE release_id = ANY($1) ORDER BY id",
        ids,
    )
    seen: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        seen[f"{row['release_id']}/{row['service']}"].append(row["stream_version"])
    return {key: v for key, v in seen.items() if v != sorted(set(v))}


async def projector_owners(pool: asyncpg.Pool) -> set[str]:
    rows = await pool.fetch(
        "SELECT owner FROM projections.partition_epochs WHERE consumer = 'pressroom-projector'"
    )
    return {row["owner"] for row in rows}


def print_peak_rss(pairs: Pairs) -> None:
    """Peak resident memory (VmHWM) of each survivor under this load: docs/deployment.md."""
    for name, (_, alive) in pairs.items():
        status = Path(f"/proc/{alive.process.pid}/status").read_text()
        peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
        rss = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
        mib = f"peak RSS {int(peak) // 1024} MiB, now {int(rss) // 1024} MiB"
        print(f"several instances: {name} {mib}")
