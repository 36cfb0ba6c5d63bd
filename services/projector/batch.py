"""Pure planning of one consumed batch: decode, route, fold into the rows to write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from events.base import Event, Message
from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import KafkaRecord, UndecodableMessage, decode
from events.registry import Registry
from events.replies import CommandOutcome
from services.projector.history import HistoryRow, history_entry
from services.projector.outcomes import OutcomeRow, outcome_row
from services.projector.releases import ReleaseRow, evolve_release


@dataclass(frozen=True)
class Consumed:
    """A record as it came off Kafka, whatever it contains."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class DeadLetter:
    """A record the projector could not use, and why (a row of `projections.dead_letters`)."""

    record: Consumed
    reason: str


Routed = Envelope[Message] | DeadLetter


@dataclass
class BatchPlan:
    """Everything one transaction writes for one batch."""

    releases: dict[str, ReleaseRow] = field(default_factory=dict)  # changed rows only
    history: list[HistoryRow] = field(default_factory=list)
    outcomes: list[OutcomeRow] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)


def route(record: Consumed, registry: Registry = REGISTRY) -> Routed:
    """The decoded envelope of a usable record, or the dead letter saying why it is not usable."""
    kafka_record = KafkaRecord(key=record.key, value=record.value, headers=list(record.headers))
    try:
        envelope = decode(kafka_record, registry)
    except UndecodableMessage as error:
        return DeadLetter(record, str(error))
    if isinstance(envelope.data, CommandOutcome):
        return envelope
    if not isinstance(envelope.data, Event):
        return DeadLetter(record, f"{envelope.type} is neither an event nor a command outcome")
    if envelope.sequence is None:
        return DeadLetter(
            record, f"{envelope.type} has no ce_sequence, so it cannot be deduplicated"
        )
    return envelope


def release_ids(routed: Iterable[Routed]) -> set[str]:
    """The releases a batch touches: the rows to load (and lock) before folding."""
    ids = (_release_id(r) for r in routed if not isinstance(r, DeadLetter))
    return {release_id for release_id in ids if release_id is not None}


def plan_batch(
    batch: Sequence[tuple[Consumed, Routed]], current: Mapping[str, ReleaseRow]
) -> BatchPlan:
    """Folds a routed batch, in order, over the current release rows."""
    plan = BatchPlan()
    rows = dict(current)
    for record, routed in batch:
        key = (record.topic, record.partition)
        plan.next_offsets[key] = max(plan.next_offsets.get(key, 0), record.offset + 1)
        if isinstance(routed, DeadLetter):
            plan.dead_letters.append(routed)
            continue
        try:
            _fold(plan, rows, routed)
        except Exception as error:  # a poison record must not stop the projector: park it
            reason = f"projection failed: {type(error).__name__}: {error}"
            plan.dead_letters.append(DeadLetter(record, reason))
    return plan


def _fold(plan: BatchPlan, rows: dict[str, ReleaseRow], envelope: Envelope[Message]) -> None:
    # Compute everything before mutating, so a failing record leaves the plan untouched.
    outcome = outcome_row(envelope)
    entry = history_entry(envelope)
    release_id = _release_id(envelope)
    before = rows.get(release_id) if release_id is not None else None
    after = evolve_release(before, envelope) if release_id is not None else None
    if outcome is not None:
        plan.outcomes.append(outcome)
    if entry is not None:
        plan.history.append(entry)
    if release_id is not None and after is not None and after is not before:
        rows[release_id] = plan.releases[release_id] = after


def _release_id(envelope: Envelope[Message]) -> str | None:
    return envelope.data.release_id if isinstance(envelope.data, Event) else None
