"""Emmett-style decider tests: given(events).when(command).then(events) or .then_rejects(...)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from events.base import Command, Event
from events.replies import Rejection
from services.kit.decider import Decider

# Time arrives on the call, never from a clock: every test decides at this instant.
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=Event)
S = TypeVar("S")
R = TypeVar("R", bound=Rejection)


def specification(
    decider: Decider[C, E, S], now: datetime = NOW
) -> Callable[[Sequence[E]], Given[C, E, S]]:
    """The `given` a test module starts from, bound to one decider (Emmett's specification)."""

    def given(events: Sequence[E]) -> Given[C, E, S]:
        return Given(decider, tuple(events), now)

    return given


@dataclass(frozen=True)
class Given(Generic[C, E, S]):
    decider: Decider[C, E, S]
    events: tuple[E, ...]
    now: datetime

    @property
    def state(self) -> S:
        return self.decider.fold(self.events)

    def when(self, command: C) -> When[C, E, S]:
        return When(self, command)


@dataclass(frozen=True)
class When(Generic[C, E, S]):
    given: Given[C, E, S]
    command: C

    def decide(self) -> list[E]:
        decider = self.given.decider
        return list(decider.decide(self.command, self.given.state, self.given.now))

    def then(self, expected: Sequence[E]) -> list[E]:
        """The command is accepted and emits exactly these events, in this order."""
        try:
            actual = self.decide()
        except Rejection as refused:
            raise AssertionError(
                f"expected {len(expected)} event(s) from {self.command.type}, "
                f"but it was refused with {type(refused).__name__}: {refused.detail}"
            ) from refused
        if actual != list(expected):
            raise AssertionError(
                f"{self.command.type} emitted\n  {_lines(actual)}\n"
                f"but expected\n  {_lines(expected)}"
            )
        return actual

    def then_rejects(self, rejection: type[R]) -> R:
        """The command is refused with this Rejection (or a subclass); returns it to inspect."""
        try:
            actual = self.decide()
        except rejection as refused:
            return refused
        except Rejection as other:
            raise AssertionError(
                f"expected {rejection.__name__} from {self.command.type}, "
                f"but got {type(other).__name__}: {other.detail}"
            ) from other
        raise AssertionError(
            f"expected {rejection.__name__} from {self.command.type}, "
            f"but it was accepted with\n  {_lines(actual)}"
        )


def _lines(events: Sequence[Event]) -> str:
    return "\n  ".join(repr(event) for event in events) or "(no events)"
