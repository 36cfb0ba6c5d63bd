"""Crash points: the one seam where a test makes a service fail at a chosen step of the relay.

Production wires NO_CRASHES, whose points do nothing, and reads no setting for them. The
crash-recovery tests start a service through tests/integration/crashing_service.py, which passes
its own points to the runtime (docs/reliability.md, "Crash points").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


async def _carry_on() -> None:
    return None


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class CrashPoints:
    """Each point is called at its step; the default lets the step go on."""

    # Awaited before the relay starts: a test that never returns commits and never publishes.
    before_relay: Callable[[], Awaitable[None]] = _carry_on
    # Called once Kafka acked a batch, before its rows are deleted from the outbox.
    after_publish: Callable[[], None] = _nothing


NO_CRASHES = CrashPoints()
