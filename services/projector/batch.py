"""Pure planning of one consumed batch: decode, route, fold into the rows to write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from events.base import Event, Message
from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import UndecodableMessage, decode_parts
from events.registry import Registry
from events.replies import CommandOutcome
from events.subscribers import SubscriberEvent
from services.kit.record_checks import misplaced_parts
from services.projector.deliveries import ReadModelChange, delivery_change
from services.projector.embargo_copies import CopyChanges, RevisionRow, note_copies, revision_row
from services.projector.history import HistoryRow, history_entry
from services.projector.outcomes import OutcomeRow, outcome_row
from services.projector.public_feed import PublicChange, public_change
from services.projector.releases import ReleaseRow, evolve_release


class Consumed(NamedTuple):
    """A record as it came off Kafka, whatever it contains. A named tuple, not a frozen
    dataclass: every record read is wrapped in one, and a frozen dataclass's `__init__` sets
    each field through `object.__setattr__` (three times the cost)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]  # a header may have no value


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
    revisions: list[RevisionRow] = field(default_factory=list)
    copies: dict[str, CopyChanges] = field(default_factory=dict)  # per release, in order
    public: list[PublicChange] = field(default_factory=list)  # in log order
    deliveries: list[ReadModelChange] = field(default_factory=list)  # in log order
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)


def route(record: Consumed, registry: Registry = REGISTRY) -> Routed:
    """The decoded envelope of a usable record, or the dead letter saying why it is not usable."""
    try:
        envelope = decode_parts(record.headers, record.value, registry)
    except UndecodableMessage as error:
        return DeadLetter(record, str(error))
    why = misplaced_parts(record.topic, record.key, record.value, record.headers, envelope)
    if why is not None:
        return DeadLetter(record, why)
    if isinstance(envelope.data, CommandOutcome):
        return envelope
    if not isinstance(envelope.data, Event | SubscriberEvent):
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
    revision = revision_row(envelope)
    public = public_change(envelope)
    delivery = delivery_change(envelope)
    evolved = _evolve(plan, rows, envelope)
    if outcome is not None:
        plan.outcomes.append(outcome)
    if entry is not None:
        plan.history.append(entry)
    if revision is not None:
        plan.revisions.append(revision)
    if public is not None:
        plan.public.append(public)
    if delivery is not None:
        plan.deliveries.append(delivery)
    if evolved is not None:
        after, copies = evolved
        rows[after.release_id] = plan.releases[after.release_id] = after
        if copies is not None:
            plan.copies[after.release_id] = copies


def _evolve(
    plan: BatchPlan, rows: dict[str, ReleaseRow], envelope: Envelope[Message]
) -> tuple[ReleaseRow, CopyChanges | None] | None:
    """The release's new row and copy changes; None when the event changes no release (copies
    follow the row's dedup: a replayed event must not reissue or drop a copy)."""
    release_id = _release_id(envelope)
    if release_id is None:
        return None
    before = rows.get(release_id)
    after = evolve_release(before, envelope)
    if after is None or after is before:
        return None
    return after, note_copies(plan.copies.get(release_id), envelope)


def _release_id(envelope: Envelope[Message]) -> str | None:
    return envelope.data.release_id if isinstance(envelope.data, Event) else None
