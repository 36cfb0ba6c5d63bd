"""Command outcomes and their envelopes on pressroom.replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.base import Event
from events.envelope import Envelope, source_of
from events.replies import CommandOutcome, OutcomeStatus, Problem, Rejection

_REPLY_ENVELOPE = Envelope[CommandOutcome]  # made once (events/envelope.py, ENVELOPE_OF_ANY)


def accepted(
    command: Envelope[Any], stream_version: int, events: list[Envelope[Event]]
) -> CommandOutcome:
    return CommandOutcome(
        command_id=command.id,
        command_type=command.data.ce_type(),
        release_id=command.subject,
        status=OutcomeStatus.ACCEPTED,
        stream_version=stream_version,
        events=[e.id for e in events],
    )


def rejected(command: Envelope[Any], stream_version: int, rejection: Rejection) -> CommandOutcome:
    return CommandOutcome(
        command_id=command.id,
        command_type=command.data.ce_type(),
        release_id=command.subject,
        status=rejection.status,
        stream_version=stream_version,
        problem=rejection.problem(),
    )


def undecodable(
    command_id: str, command_type: str | None, subject: str | None, reason: str
) -> CommandOutcome:
    return CommandOutcome(
        command_id=command_id,
        command_type=command_type or "unknown",
        release_id=subject,
        status=OutcomeStatus.UNDECODABLE,
        problem=Problem(
            type="urn:pressroom:problem:undecodable-command",
            title="The command could not be read; it is in the dead-letter queue",
            detail=reason,
        ),
    )


def reply_envelope(
    outcome: CommandOutcome, service: str, now: datetime, correlation_id: str, actor: str
) -> Envelope[CommandOutcome]:
    """Keyed by command id (the subject), so a waiting client finds its answer."""
    return _REPLY_ENVELOPE(
        id=f"{outcome.command_id}:outcome",
        source=source_of(service),
        time=now,
        subject=outcome.command_id,
        data=outcome,
        correlation_id=correlation_id,
        causation_id=outcome.command_id,
        actor=actor,
    )
