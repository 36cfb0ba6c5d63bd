"""Approval's deadlines: which events arm or disarm a stage's overdue mark, and its command."""

from __future__ import annotations

from events.approval import (
    ApprovalInvalidated,
    ApprovalRequested,
    MarkOverdue,
    ReleaseApproved,
    ReleaseForceApproved,
    ReleaseRejected,
    StageApproved,
)
from events.base import Event
from events.envelope import Envelope
from services.approval.reactions import SYSTEM_ACTOR
from services.kit.deadlines import Cancel, Deadline, Schedule

OVERDUE = "overdue"


def stage_key(revision: int, stage: str) -> str:
    return f"{revision}:{stage}"


def deadline_changes(envelopes: list[Envelope[Event]]) -> list[Schedule | Cancel]:
    """In event order, so a request that supersedes another one ends up armed."""
    return [change for envelope in envelopes for change in _changes_for(envelope)]


def _changes_for(envelope: Envelope[Event]) -> list[Schedule | Cancel]:
    event, stream = envelope.data, envelope.subject
    match event:
        case ApprovalRequested():
            return [
                Schedule(
                    stream_id=stream,
                    kind=OVERDUE,
                    key=stage_key(event.revision, stage.name),
                    due_at=stage.deadline_at,
                    payload={
                        "stage": stage.name,
                        "revision": event.revision,
                        "correlation_id": envelope.correlation_id,
                        "causation_id": envelope.id,
                    },
                )
                for stage in event.stages
                if stage.deadline_at is not None
            ]
        case StageApproved():
            return [Cancel(stream, OVERDUE, stage_key(event.revision, event.stage))]
        case ReleaseApproved() | ReleaseRejected() | ApprovalInvalidated() | ReleaseForceApproved():
            return [Cancel(stream, OVERDUE)]  # the request is decided or gone: nobody is late
        case _:
            return []


def to_command(deadline: Deadline) -> MarkOverdue:
    """A stage's deadline passed: the domain decides whether anybody is actually late."""
    return MarkOverdue(
        release_id=deadline.stream_id,
        actor=SYSTEM_ACTOR,
        stage=deadline.payload["stage"],
        revision=deadline.payload["revision"],
    )
