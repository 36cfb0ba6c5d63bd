"""`pressroom bench storm`, the midnight storm: N releases approved and embargoed to one instant,
then how late each lift is on the topic, beside how late N bare asyncio timers for the same
instant fire in this process. Target: every lift within 1 s of lift_at, none early."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.progress import Progress, TaskID

from dev_tools.bench import raw
from dev_tools.bench.drafting import BenchFailed
from dev_tools.bench.storm_tap import Tap
from events.actor import Actor
from events.base import Message
from events.embargo import EmbargoLifted, NoteApproval, SetEmbargo
from events.envelope import Envelope, source_of
from events.kafka import encode
from events.topics import EMBARGO_COMMANDS
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.command_auth import signed, signer_from_settings
from services.kit.settings import load_settings

PRESS_OFFICER = Actor(id="bench-press-office", roles=["press-officer"], organisation="bench")
APPROVED_HASH = "sha256:" + "b" * 64
TARGET_MS = 1_000.0
STALL_S = 60.0  # nothing new for this long: something is down, not slow


@dataclass(frozen=True)
class StormResults:
    releases: int
    lift_at: datetime
    on_topic: raw.Latencies  # EmbargoLifted's Kafka timestamp minus lift_at
    decided: raw.Latencies  # the lateness_ms the service recorded (its clock at decide)
    timers: raw.Latencies  # bare loop.call_at callbacks for the same instant
    early: int  # lifts decided or on the topic before lift_at
    duplicates: int  # EmbargoLifted beyond the first of a release

    @property
    def held(self) -> bool:
        lifted = len(self.on_topic.samples_ms) == self.releases and self.early == 0
        return lifted and self.on_topic.p(100) <= TARGET_MS


def storm_commands(release_ids: list[str], lift_at: datetime) -> list[Envelope[Message]]:
    """Per release: the approval as embargo's policy notes it, then the press office's embargo."""
    commands: list[Message] = []
    for release_id in release_ids:
        commands.append(
            NoteApproval(
                release_id=release_id, actor=SYSTEM_ACTOR, revision=1, content_hash=APPROVED_HASH
            )
        )
        commands.append(SetEmbargo(release_id=release_id, actor=PRESS_OFFICER, lift_at=lift_at))
    return [storm_envelope(command) for command in commands]


def storm_envelope(command: Message) -> Envelope[Message]:
    command_id, release_id = str(uuid.uuid4()), command.model_dump()["release_id"]
    return Envelope[Message](
        id=command_id, source=source_of("bench"), time=datetime.now(UTC), subject=release_id,
        data=command, correlation_id=command_id, actor=command.model_dump()["actor"]["id"],
    )  # fmt: skip


async def produce(bootstrap: str, envelopes: list[Envelope[Message]]) -> None:
    """Every command to embargo's topic, as fast as the producer goes, all acknowledged."""
    signer = signer_from_settings(load_settings())  # services take signed commands only
    producer = raw.kafka_producer(bootstrap)
    await producer.start()
    try:
        for record in (signed(signer, encode(envelope)) for envelope in envelopes):
            await producer.send(
                EMBARGO_COMMANDS, record.value, key=record.key, headers=record.headers
            )
        await producer.flush()
    finally:
        await producer.stop()


async def bare_timers(count: int, at: datetime) -> raw.Latencies:
    """`count` loop.call_at callbacks for one wall-clock instant: each one's lateness, in ms."""
    loop, fired = asyncio.get_running_loop(), asyncio.Event()
    lateness: list[float] = []

    def record() -> None:
        lateness.append((time.time() - at.timestamp()) * 1000)
        if len(lateness) == count:
            fired.set()

    when = loop.time() + (at.timestamp() - time.time())  # the loop's clock is monotonic
    for _ in range(count):
        loop.call_at(when, record)
    await fired.wait()
    return raw.Latencies(lateness)


async def timers_in_a_process_of_their_own(count: int, at: datetime) -> raw.Latencies:
    """The baseline apart from this process's own work (decoding the storm's records): only
    the machine's load at that instant is shared, as it is with the embargo service."""
    module = "dev_tools.bench.embargo_storm"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, str(count), at.isoformat(), stdout=asyncio.subprocess.PIPE
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise BenchFailed(f"the bare timers' process failed (exit code {process.returncode})")
    return raw.Latencies(json.loads(output))


async def send_storm(
    tap: Tap, envelopes: list[Envelope[Message]], lift_at: datetime, progress: Progress
) -> None:
    """Every command produced at once; all accepted, and in time, or the run stops."""
    task = progress.add_task("Embargoes set (note + set)", total=len(envelopes))
    await produce(tap.bootstrap, envelopes)
    ids = [envelope.id for envelope in envelopes]
    await _until(lambda: tap.count_outcomes(ids), len(ids), progress, task)
    refused = [o for o in (tap.outcomes[i] for i in ids) if o.status != "accepted"]
    if refused:
        raise BenchFailed(f"{len(refused)} commands refused, e.g. {refused[0].problem}")
    if datetime.now(UTC) >= lift_at - timedelta(seconds=1):
        raise BenchFailed("the embargoes were not all set a second before the lift: lead longer")


async def _until(count: Callable[[], int], total: int, progress: Progress, task: TaskID) -> None:
    done, changed = 0, time.monotonic()
    while done < total:
        await asyncio.sleep(0.05)
        now_done = count()
        if now_done > done:
            done, changed = now_done, time.monotonic()
            progress.update(task, completed=done)
        elif time.monotonic() - changed > STALL_S:
            raise BenchFailed(
                f"{done} of {total} arrived, none in the last {STALL_S:.0f} s:"
                " is the embargo service running (`pressroom ps`)?"
            )


async def run_storm(
    bootstrap: str, releases: int, lead_s: float, progress: Progress
) -> StormResults:
    """Sets the storm up, waits for the instant, and collects every lift from the topic."""
    release_ids = [f"storm-{uuid.uuid4()}" for _ in range(releases)]
    lift_at = (datetime.now(UTC) + timedelta(seconds=lead_s)).replace(microsecond=0)
    async with Tap.running(bootstrap, set(release_ids)) as tap:
        await send_storm(tap, storm_commands(release_ids, lift_at), lift_at, progress)
        timers = await timers_in_a_process_of_their_own(releases, lift_at)
        task = progress.add_task("Lifts on the topic", total=releases)
        await _until(lambda: len(tap.lifts), releases, progress, task)
        await asyncio.sleep(2)  # a duplicate, if any, would come right after
    return summarise(tap.lifts, tap.duplicates, releases, lift_at, timers)


def summarise(
    lifts: dict[str, tuple[EmbargoLifted, int]], duplicates: int, releases: int,
    lift_at: datetime, timers: raw.Latencies,
) -> StormResults:  # fmt: skip
    lift_ms = lift_at.timestamp() * 1000  # whole seconds: exact against whole-ms timestamps
    on_topic = [stamp - lift_ms for _, stamp in lifts.values()]
    decided = [float(event.lateness_ms) for event, _ in lifts.values()]
    early = sum(
        1 for event, stamp in lifts.values() if stamp < lift_ms or event.lifted_at < lift_at
    )
    return StormResults(
        releases,
        lift_at,
        raw.Latencies(on_topic),
        raw.Latencies(decided),
        timers,
        early,
        duplicates,
    )


if __name__ == "__main__":  # the bare timers, run apart: COUNT AT (ISO 8601 with an offset)
    at_instant = datetime.fromisoformat(sys.argv[2])
    fired = asyncio.run(bare_timers(int(sys.argv[1]), at_instant))
    print(json.dumps(fired.samples_ms))
