"""Kafka in memory for the gateway's unit tests: each command is answered by a function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from events.envelope import Envelope
from events.replies import CommandOutcome
from services.gateway.command_bus import CommandNotSent

Responder = Callable[[Envelope[Any]], CommandOutcome | None]


@dataclass
class FakeCommandBus:
    """Answers each command with `respond(envelope)`; None plays a reply that never came."""

    respond: Responder
    sent: list[Envelope[Any]] = field(default_factory=list)
    ready: bool = True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def readiness(self) -> dict[str, bool]:
        return {
            "kafka_producer": self.ready,
            "replies_listener": self.ready,
            "kafka_broker": self.ready,
        }

    async def dispatch(self, envelope: Envelope[Any], wait_s: float) -> CommandOutcome | None:
        if not self.ready:
            raise CommandNotSent("the gateway is not connected to Kafka yet")
        self.sent.append(envelope)
        return self.respond(envelope)
