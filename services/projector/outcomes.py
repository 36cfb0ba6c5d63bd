"""The command outcome read model: a pure `outcome_row(envelope)` from `pressroom.replies`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from events.base import Message
from events.envelope import Envelope
from events.replies import CommandOutcome


@dataclass(frozen=True)
class OutcomeRow:
    """One row of `projections.command_outcomes`, keyed by command id."""

    command_id: str
    command_type: str
    release_id: str | None
    status: str
    stream_version: int | None
    events: list[str]
    problem: dict[str, Any] | None
    received_at: datetime


def outcome_row(envelope: Envelope[Message]) -> OutcomeRow | None:
    """The outcome row of a reply; None for any other message."""
    outcome = envelope.data
    if not isinstance(outcome, CommandOutcome):
        return None
    return OutcomeRow(
        command_id=outcome.command_id,
        command_type=outcome.command_type,
        release_id=outcome.release_id,
        status=outcome.status.value,
        stream_version=outcome.stream_version,
        events=list(outcome.events),
        problem=outcome.problem.model_dump(mode="json") if outcome.problem else None,
        received_at=envelope.time,
    )
