"""Embargo's deadlines: the lift and the pre-release each events imply, and the command each fires.

One deadline of each kind per release (one key): a change moves it, a cancel or a lift disarms
it. A deadline that fires anyway for a time no longer current is ignored by decide.
"""

from __future__ import annotations

from events.base import Event
from events.embargo import (
    EmbargoCancelled,
    EmbargoChanged,
    EmbargoLifted,
    EmbargoLiftedEarly,
    EmbargoSet,
    IssueEmbargoedCopies,
    LiftEmbargo,
)
from events.envelope import Envelope
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.deadlines import Cancel, Deadline, Schedule

LIFT = "lift"
PRE_RELEASE = "pre-release"
# A release has at most one embargo at a time, so one key per kind: scheduling again moves it.
CURRENT = "current"


def deadline_changes(envelopes: list[Envelope[Event]]) -> list[Schedule | Cancel]:
    """In event order, so a cancel followed by a new embargo ends up armed."""
    return [change for envelope in envelopes for change in _changes_for(envelope)]


def _changes_for(envelope: Envelope[Event]) -> list[Schedule | Cancel]:
    event, stream = envelope.data, envelope.subject
    match event:
        case EmbargoSet() | EmbargoChanged():
            payload = {"correlation_id": envelope.correlation_id, "causation_id": envelope.id}
            lift = Schedule(stream, LIFT, CURRENT, event.lift_at, payload)
            if event.pre_release_at is None or not event.recipients:
                return [lift, Cancel(stream, PRE_RELEASE)]  # copies go out at approval, if any
            return [lift, Schedule(stream, PRE_RELEASE, CURRENT, event.pre_release_at, payload)]
        case EmbargoCancelled() | EmbargoLifted() | EmbargoLiftedEarly():
            return [Cancel(stream, LIFT), Cancel(stream, PRE_RELEASE)]
        case _:
            return []


def to_command(deadline: Deadline) -> LiftEmbargo | IssueEmbargoedCopies:
    """The command names the time it was armed for: decide ignores it if that time has moved."""
    if deadline.kind == LIFT:
        return LiftEmbargo(
            release_id=deadline.stream_id, actor=SYSTEM_ACTOR, scheduled_lift_at=deadline.due_at
        )
    if deadline.kind == PRE_RELEASE:
        return IssueEmbargoedCopies(
            release_id=deadline.stream_id,
            actor=SYSTEM_ACTOR,
            scheduled_pre_release_at=deadline.due_at,
        )
    raise ValueError(f"embargo has no deadline of kind {deadline.kind!r}")
