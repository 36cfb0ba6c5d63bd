"""Policies: a service reacts to another service's event by sending a command to itself, in the
same one-transaction handler, idempotent per event (the command id derives from the event id)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from events.base import Message
from events.envelope import Envelope, deterministic_id, source_of
from events.kafka import KafkaRecord, UndecodableMessage, decode
from services.kit.dlq import RecordOrigin
from services.kit.handler import CommandHandler, retry_transient
from services.kit.record_checks import misplaced

log = structlog.get_logger()
# What a policy does with an upstream event: the command to send, or None to ignore it.
Reaction = Callable[[Envelope[Message]], Message | None]


@dataclass
class Policy:
    """Decodes upstream events, asks `reaction` for a command, and handles it without a reply."""

    name: str
    handler: CommandHandler
    reaction: Reaction

    async def on_record(self, record: KafkaRecord, origin: RecordOrigin) -> None:
        await retry_transient(lambda: self._react(record, origin), self._failed(record, origin))

    async def _react(self, record: KafkaRecord, origin: RecordOrigin) -> None:
        try:
            event = decode(record, self.handler.store.registry)
        except UndecodableMessage as error:
            await self.handler.dead_letter(record, origin, f"{self.name}: {error}", reply=False)
            return
        why = misplaced(origin.topic, record, event)
        if why is not None:  # decodes, but not as one of this topic's events: never ignored
            await self.handler.dead_letter(record, origin, f"{self.name}: {why}", reply=False)
            return
        command = self.reaction(event)
        if command is not None:
            await self.handler.handle(self.command_envelope(event, command), reply=False)

    def command_envelope(self, event: Envelope[Any], command: Message) -> Envelope[Any]:
        """Seeing the same event twice yields the same command id: handled once."""
        return Envelope[Message](
            id=deterministic_id(event.id, self.name),
            source=source_of(self.handler.service),
            time=self.handler.clock(),
            subject=event.subject,
            data=command,
            correlation_id=event.correlation_id,
            causation_id=event.id,
            actor=self.name,
        )

    def _failed(self, record: KafkaRecord, origin: RecordOrigin) -> Callable[[Exception], Any]:
        async def dead_letter(error: Exception) -> None:
            reason = f"{self.name}: internal error: {error!r}"
            await self.handler.dead_letter(record, origin, reason, reply=False)

        return dead_letter


__all__ = ["Policy", "Reaction"]
