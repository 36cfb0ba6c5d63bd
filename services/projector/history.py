"""The audit timeline: a pure `history_entry(envelope)` with one human line per event."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from events import embargo
from events.approval import (
    ApprovalInvalidated,
    ApprovalOverdue,
    ApprovalRequested,
    ReleaseApproved,
    ReleaseForceApproved,
    ReleaseRejected,
    ReleaseRetrospectivelyApproved,
    StageApproved,
)
from events.base import Event, Message
from events.drafting import (
    DraftCreated,
    DraftDiscarded,
    DraftReopened,
    DraftRevised,
    DraftSubmitted,
)
from events.envelope import Envelope
from services.projector.embargo_history import embargo_summary
from services.projector.publication_history import is_publication_note, publication_summary


class HistoryRow(NamedTuple):
    """One row of `projections.release_history`, unique on (release_id, service, stream_version).
    A named tuple, not a frozen dataclass: every event makes one, and a frozen dataclass's
    `__init__` sets each field through `object.__setattr__` (three times the cost)."""

    release_id: str
    service: str
    stream_version: int
    event_id: str
    event_type: str
    actor: str
    occurred_at: datetime
    summary: str
    data: Event  # stored as its JSON data (`Event.data()`), written straight from the model
    correlation_id: str
    causation_id: str | None


def history_entry(envelope: Envelope[Message]) -> HistoryRow | None:
    """The timeline row of an event; None for anything that is not a versioned event."""
    event = envelope.data
    if not isinstance(event, Event) or envelope.sequence is None or _is_echo(event):
        return None
    return HistoryRow(
        release_id=event.release_id,
        service=event.service,
        stream_version=envelope.sequence,
        event_id=envelope.id,
        event_type=_ce_type(type(event)),
        actor=envelope.actor,
        occurred_at=envelope.time,
        summary=summarise(event),
        data=event,
        correlation_id=envelope.correlation_id,
        causation_id=envelope.causation_id,
    )


_CE_TYPES: dict[type[Event], str] = {}


def _ce_type(event_type: type[Event]) -> str:
    """`envelope.type`, remembered per class: it is built from the model's fields each time."""
    if event_type not in _CE_TYPES:
        _CE_TYPES[event_type] = event_type.ce_type()
    return _CE_TYPES[event_type]


def summarise(event: Event) -> str:
    """One line a press officer reads in the timeline, e.g. "Revision 2 by alice: changed title"."""
    return (
        _drafting_summary(event)
        or _approval_summary(event)
        or embargo_summary(event)
        or publication_summary(event)
        or _unknown(event)
    )


def _drafting_summary(event: Event) -> str | None:
    match event:
        case DraftCreated():
            title = event.content.title
            return f'Draft created by {event.created_by} for {event.organisation}: "{title}"'
        case DraftRevised():
            changed = f": changed {', '.join(event.changed_fields)}" if event.changed_fields else ""
            return f"Revision {event.revision} by {event.revised_by}{changed}"
        case DraftSubmitted():
            return f"Revision {event.revision} submitted for approval by {event.submitted_by}"
        case DraftReopened():
            return (
                f"Revision {event.revision} reopened for editing after rejection at"
                f" {event.stage} by {event.rejected_by}: {event.reason}"
            )
        case DraftDiscarded():
            return f"Discarded by {event.discarded_by}{_colon(event.reason)}"
        case _:
            return None


def _approval_summary(event: Event) -> str | None:
    match event:
        case ApprovalRequested():
            stages = _stage_order(event)
            return f"Approval of revision {event.revision} requested ({event.policy}): {stages}"
        case StageApproved():
            return f"Stage {event.stage} approved by {event.approver}{_colon(event.comment)}"
        case ReleaseApproved():
            return f"Revision {event.revision} approved by {', '.join(event.approvers)}"
        case ReleaseRejected():
            return f"Rejected at {event.stage} by {event.rejected_by}: {event.reason}"
        case ApprovalInvalidated():
            lapsed = " (it had been approved)" if event.was_approved else ""
            return (
                f"Approval of revision {event.revision} invalidated by revision"
                f" {event.new_revision}{lapsed}"
            )
        case ReleaseForceApproved():
            return f"Force-approved by {event.forced_by}: {event.reason}"
        case ReleaseRetrospectivelyApproved():
            return f"Force approval confirmed by {event.approved_by}{_colon(event.comment)}"
        case ApprovalOverdue():
            return f"Stage {event.stage} overdue (deadline {event.deadline_at.isoformat()})"
        case _:
            return None


def _stage_order(event: ApprovalRequested) -> str:
    """'policy, then legal'; stages sharing a step run in parallel: 'policy and legal'."""
    steps = sorted({stage.step for stage in event.stages})
    names = [" and ".join(s.name for s in event.stages if s.step == step) for step in steps]
    return ", then ".join(names)


def _colon(text: str) -> str:
    return f": {text}" if text else ""


def _unknown(event: Event) -> str:
    # Events this projector does not know yet still belong in the audit timeline.
    return f"{event.type_name()} ({event.service})"


# Embargo's records of approval's events: approval's own lines are on the timeline already.
EMBARGO_ECHOES = (embargo.ApprovedRevisionNoted, embargo.ApprovalWithdrawnNoted)


def _is_echo(event: Event) -> bool:
    """A service's note of another service's event: kept in its stream, not shown twice."""
    return is_publication_note(event) or isinstance(event, EMBARGO_ECHOES)
