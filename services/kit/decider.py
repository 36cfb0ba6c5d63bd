"""The shape every service's pure domain takes, and the pure steps around it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from events.base import Command, Event
from events.envelope import ENVELOPE_OF_ANY, Envelope, deterministic_id, source_of

C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=Event)
S = TypeVar("S")


def _never(_: object) -> bool:
    return False


@dataclass(frozen=True)
class Decider(Generic[C, E, S]):
    """decide(command, state, now) -> events; evolve(state, event) -> state; no I/O in either.

    A command decide cannot answer alone asks another service first: `asks(new_events)` says its
    events are that question, so it stays pending (events recorded, no outcome yet). A command for
    which `answers(command)` holds brings the word it waited for: every pending command of the
    stream is then decided again, in the same transaction, and answered (services/kit/pending.py).
    """

    service: str
    initial_state: Callable[[], S]
    evolve: Callable[[S, E], S]
    decide: Callable[[C, S, datetime], Sequence[E]]
    asks: Callable[[Sequence[E]], bool] = _never
    answers: Callable[[C], bool] = _never

    @property
    def can_ask(self) -> bool:
        """Only a decider that may leave a command pending pays for looking pending ones up."""
        return self.asks is not _never

    @property
    def never_pending(self) -> bool:
        """No command of it waits for another service, nor answers one that does."""
        return self.asks is _never and self.answers is _never

    def fold(self, events: Iterable[E]) -> S:
        state = self.initial_state()
        for event in events:
            state = self.evolve(state, event)
        return state


def wrap_events(
    command: Envelope[Any], events: Sequence[Event], stream_version: int, now: datetime
) -> list[Envelope[Event]]:
    """Envelopes for new events; ids from command id and position make a retry recognisable.
    Envelope[Any]: a subscriber's events are events of their own stream, not release Events."""
    service = command.data.service
    return [
        ENVELOPE_OF_ANY(
            id=deterministic_id(command.id, str(stream_version + offset)),
            source=source_of(service),
            time=now,
            subject=command.subject,
            data=event,
            sequence=stream_version + offset,
            correlation_id=command.correlation_id,
            causation_id=command.id,
            actor=command.actor,
            # The command's trace goes on with its events (services/kit/tracing.py).
            traceparent=command.traceparent,
            tracestate=command.tracestate,
        )
        for offset, event in enumerate(events, start=1)
    ]
