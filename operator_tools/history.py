"""A release's history read from the log: who did what when, with a diff of each revision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from events.base import Event, Message
from events.envelope import Envelope
from operator_tools.diff import FieldChange, content_of, diff_content
from operator_tools.jsonable import jsonable
from services.projector.history import summarise


@dataclass(frozen=True)
class HistoryItem:
    """One event of the release, as an operator reads it."""

    time: datetime
    type: str
    service: str
    sequence: int | None
    actor: str
    event_id: str
    correlation_id: str
    causation_id: str | None
    summary: str
    data: dict[str, Any]
    changes: tuple[FieldChange, ...]


def history_items(envelopes: Sequence[Envelope[Message]]) -> list[HistoryItem]:
    """In the order given; each content-carrying event is diffed against the previous one."""
    items: list[HistoryItem] = []
    content: dict[str, Any] | None = None
    for envelope in envelopes:
        after = content_of(envelope.data)
        changes = tuple(diff_content(content, after)) if after is not None else ()
        content = after if after is not None else content
        items.append(_item(envelope, changes))
    return items


def _item(envelope: Envelope[Message], changes: tuple[FieldChange, ...]) -> HistoryItem:
    event = envelope.data
    return HistoryItem(
        time=envelope.time,
        type=envelope.type,
        service=event.service,
        sequence=envelope.sequence,
        actor=envelope.actor,
        event_id=envelope.id,
        correlation_id=envelope.correlation_id,
        causation_id=envelope.causation_id,
        summary=summarise(event) if isinstance(event, Event) else event.type_name(),
        data=event.data(),
        changes=changes,
    )


def history_json(items: Sequence[HistoryItem]) -> list[dict[str, Any]]:
    """`pressroom history --json`: one object per event, changes as before/after per field."""
    return [jsonable(item) for item in items]
