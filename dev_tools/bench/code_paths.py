"""Per-message CPU of the code alone, no stack: what every command, every embargo lift and every
rebuilt event goes through, timed in this process.

On a shared 2-CPU machine the whole stack's CPU per command moves by a quarter from one run to
the next; these figures move by a few per cent, so they are the ones that tell whether a change
to the per-message code paid (docs/benchmarks.md, "The cycle collector, and less work per
message"). CPU time of this process, best of `rounds`, the cycle collector paused as it nearly
is in a service (services/kit/heap.py)."""

from __future__ import annotations

import os
import platform
import time
import uuid
from collections import namedtuple
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from dev_tools.bench.drafting import create_record
from dev_tools.bench.embargo_storm import storm_commands
from dev_tools.bench.machine import cpu_model, load_average
from dev_tools.bench.rebuild_events import lifecycle_records
from dev_tools.bench.report import Figure, Report
from events.catalog import REGISTRY
from events.kafka import decode, encode
from events.signing import CommandSigner
from events.topics import DRAFTING_EVENTS
from operator_tools.fold import WHOLE_LOG, FoldTarget, plan_from_memory, route_records
from operator_tools.pipeline import collector_paused  # as a rebuild folds
from services.drafting.decider import DRAFTING
from services.embargo.deadlines import deadline_changes, to_command
from services.embargo.decider import EMBARGO
from services.kit.command_auth import SignedCommands
from services.kit.command_keys import KeyRing, KeyScope
from services.kit.deadlines import Deadline
from services.kit.eventstore import EventStore
from services.kit.handler import CommandHandler, Known
from services.kit.outcomes import reply_envelope
from services.kit.scheduler import DeadlineScheduler
from services.projector.batch import DeadLetter

SECTION = "Code paths, no I/O (CPU per message)"
# What a consumer hands the fold: the fields of aiokafka's ConsumerRecord that it reads.
Consumed = namedtuple("Consumed", "topic partition offset timestamp key value headers")
REBUILD_BATCH = 5_000  # as a rebuild into a fresh schema folds (operator_tools/pipeline.py)


class PathBroken(RuntimeError):
    """A code path did not do what it is timed for: the figure would mean nothing."""


def _handler(decider: Any, clock: Callable[[], datetime]) -> CommandHandler:
    no_pool: Any = None  # decide is pure: only the I/O around it needs a pool
    store = EventStore("bench", REGISTRY)
    return CommandHandler(pool=no_pool, store=store, decider=decider, clock=clock)


def drafting_command(count: int) -> Callable[[], int]:
    """One CreateDraft as drafting handles it: decode the record, decide, wrap and encode its
    event (the size check), encode its reply."""
    handler = _handler(DRAFTING, lambda: datetime.now(UTC))
    records = [create_record(str(uuid.uuid4()), i) for i in range(count)]

    def run() -> int:
        for record in records:
            command = decode(record, REGISTRY)
            decision = handler.decide(command, Known(None, []))
            if not decision.events:
                raise PathBroken(f"CreateDraft was not accepted: {decision.outcome}")
            reply = reply_envelope(
                decision.outcome, "drafting", command.time, command.correlation_id, "drafting"
            )
            encode(reply)
        return len(records)

    return run


def embargo_lift(count: int) -> Callable[[], int]:
    """One due lift as the embargo scheduler fires it: its command, the stream folded, decided,
    its events wrapped and encoded, the deadline changes they imply."""
    lift_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    setting_up = _handler(EMBARGO, lambda: lift_at - timedelta(minutes=1))
    histories: dict[str, list[Any]] = {}
    for command in storm_commands([str(uuid.uuid4()) for _ in range(count)], lift_at):
        decision = setting_up.decide(command, Known(None, histories.get(command.subject, [])))
        if not decision.events:
            raise PathBroken(f"the storm's set-up was refused: {decision.outcome}")
        histories.setdefault(command.subject, []).extend(e.data for e in decision.events)
    scheduler = DeadlineScheduler(_handler(EMBARGO, lambda: lift_at), to_command, "embargo")
    payload = {"correlation_id": "bench", "causation_id": "bench"}
    deadlines = [Deadline(stream, "lift", "current", lift_at, payload) for stream in histories]

    def run() -> int:
        for deadline in deadlines:
            command = scheduler.envelope(deadline, lift_at)
            decision = scheduler.handler.decide(command, Known(None, histories[command.subject]))
            if not decision.events:
                raise PathBroken(f"the lift was not decided: {decision.outcome}")
            deadline_changes(decision.events)
        return len(deadlines)

    return run


def signature_check(count: int) -> Callable[[], int]:
    """One command's signature checked as every service checks what it takes (before decoding:
    services/kit/command_auth.py::SignedCommands)."""
    signer = CommandSigner("bench", Ed25519PrivateKey.generate())
    pem = signer.private_key.public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    anything = ["*"]
    scope = KeyScope(
        public_key=pem.decode(), principals=anything, commands=anything, roles=anything
    )
    verifier = SignedCommands(KeyRing({"bench": scope}))
    records = [signer.sign(create_record(str(uuid.uuid4()), i)) for i in range(count)]

    def run() -> int:
        for record in records:
            if (refusal := verifier.check(record)) is not None:
                raise PathBroken(f"a signed command was refused: {refusal.reason}")
        return len(records)

    return run


def rebuild_records(count: int) -> list[Consumed]:
    """Drafting lifecycles as a rebuild reads them off its topic."""
    made = lifecycle_records(count, datetime(2026, 1, 1, tzinfo=UTC))
    return [Consumed(DRAFTING_EVENTS, 0, offset, 1_767_225_600_000 + offset, r.key, r.value,
                     r.headers) for offset, r in enumerate(made)]  # fmt: skip


def rebuild_route(count: int) -> Callable[[], int]:
    """The decoding part of `rebuild_fold` alone: each event decoded and checked for its topic
    (`route_records`); the fold's figure less this one is the folding into rows."""
    records = rebuild_records(count)

    def run() -> int:
        routed = route_records(records, WHOLE_LOG)
        if any(isinstance(r, DeadLetter) for _, r in routed):
            raise PathBroken("an event was dead-lettered")
        return len(routed)

    return run


def rebuild_fold(count: int) -> Callable[[], int]:
    """Drafting lifecycle events folded as a rebuild into a fresh schema folds them: decoded,
    routed, planned into rows from memory (operator_tools/fold.py::plan_from_memory)."""
    records = rebuild_records(count)

    def run() -> int:
        target = FoldTarget(schema="bench")
        for start in range(0, len(records), REBUILD_BATCH):
            planned = plan_from_memory(target, records[start : start + REBUILD_BATCH], WHOLE_LOG)
            if planned.plan.dead_letters:
                raise PathBroken(f"the fold dead-lettered: {planned.plan.dead_letters[0]}")
        return len(records)

    return run


def best_us_per_item(run: Callable[[], int], rounds: int) -> float:
    """The fastest of `rounds` runs, in µs of this process's CPU per item."""
    best = float("inf")
    with collector_paused():
        for _ in range(rounds):
            started = time.process_time()
            items = run()
            best = min(best, (time.process_time() - started) / items * 1e6)
    return best


def code_paths_report(count: int, rounds: int) -> Report:
    """Each path set up first (not timed), then timed."""
    load = load_average()
    paths = [
        ("drafting: one CreateDraft (decode, decide, encode)", drafting_command(count)),
        ("any service: one command's signature checked", signature_check(count)),
        ("embargo: one lift (command, fold, decide, encode)", embargo_lift(count)),
        ("rebuild: one event decoded (route_records)", rebuild_route(max(count, REBUILD_BATCH))),
        ("rebuild: one event decoded and folded", rebuild_fold(max(count, REBUILD_BATCH))),
    ]
    figures = [Figure(SECTION, name, best_us_per_item(run, rounds), "µs") for name, run in paths]
    return Report(
        title=f"pressroom bench paths, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine={
            "CPU": cpu_model(),
            "nproc": str(len(os.sched_getaffinity(0))),
            "Python": platform.python_version(),
            "load average before": load,
        },
        settings={
            "items per path": f"{count:,} (rebuild: {max(count, REBUILD_BATCH):,})",
            "rounds (best kept)": str(rounds),
        },
        figures=figures,
    )
