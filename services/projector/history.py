"""The audit timeline: a pure `history_entry(envelope)` with one human line per event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from events.base import Event, Message
from events.drafting import DraftCreated, DraftDiscarded, DraftRevised, DraftSubmitted
from events.envelope import Envelope


@dataclass(frozen=True)
class HistoryRow:
    """One row of `projections.release_history`, unique on (release_id, service, stream_version)."""

    release_id: str
    service: str
    stream_version: int
    event_id: str
    event_type: str
    actor: str
    occurred_at: datetime
    summary: str
    data: dict[str, Any]
    correlation_id: str
    causation_id: str | None


def history_entry(envelope: Envelope[Message]) -> HistoryRow | None:
    """The timeline row of an event; None for anything that is not a versioned event."""
    event = envelope.data
    if not isinstance(event, Event) or envelope.sequence is None:
        return None
    return HistoryRow(
        release_id=event.release_id,
        service=event.service,
        stream_version=envelope.sequence,
        event_id=envelope.id,
        event_type=envelope.type,
        actor=envelope.actor,
        occurred_at=envelope.time,
        summary=summarise(event),
        data=event.data(),
        correlation_id=envelope.correlation_id,
        causation_id=envelope.causation_id,
    )


def summarise(event: Event) -> str:
    """One line a press officer reads in the timeline, e.g. "Revision 2 by alice: changed title"."""
    match event:
        case DraftCreated():
            title = event.content.title
            return f'Draft created by {event.created_by} for {event.organisation}: "{title}"'
        case DraftRevised():
            changed = f": changed {', '.join(event.changed_fields)}" if event.changed_fields else ""
            return f"Revision {event.revision} by {event.revised_by}{changed}"
        case DraftSubmitted():
            return f"Revision {event.revision} submitted for approval by {event.submitted_by}"
        case DraftDiscarded():
            reason = f": {event.reason}" if event.reason else ""
            return f"Discarded by {event.discarded_by}{reason}"
        case _:
            # Events this projector does not know yet still belong in the audit timeline.
            return f"{event.type_name()} ({event.service})"
