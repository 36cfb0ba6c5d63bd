"""Policies: a service reacts to another service's event by sending a command to itself, in the
same one-transaction handler, idempotent per event (the command id derives from the event id)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog

from events.base import Message
from events.envelope import ENVELOPE_OF_MESSAGE, Envelope, deterministic_id, source_of
from events.kafka import KafkaRecord, UndecodableMessage, decode
from events.registry import Registry
from services.kit.batches import CommandBatch, Record
from services.kit.dlq import RecordOrigin
from services.kit.handler import CommandHandler, retry_transient
from services.kit.inbound import Inbound
from services.kit.record_checks import misplaced
from services.kit.tracing import traced_handle

log = structlog.get_logger()
# What a policy does with an upstream event: the command to send, or None to ignore it.
Reaction = Callable[[Envelope[Message]], Message | None]


class CannotReact(Exception):
    """Raised by a reaction for an event that calls for a command it cannot make (what it needs
    never reached this service): the event is dead-lettered with this reason, for an operator."""


@dataclass
class Policy:
    """Decodes upstream events, asks `reaction` for a command, and handles it without a reply."""

    name: str
    handler: CommandHandler
    reaction: Reaction

    async def on_record(self, record: KafkaRecord, origin: RecordOrigin) -> None:
        """One record in a transaction of its own (the batch's last resort)."""
        await retry_transient(lambda: self._react(record, origin), self._failed(record, origin))

    async def on_batch(self, records: Sequence[Record]) -> None:
        """A batch of upstream events: every command they call for in one transaction."""
        await self.handle([self.read(record, origin) for record, origin in records])

    async def handle(self, items: Sequence[Inbound]) -> None:
        """Records read already (`read`, or `decode_upstream` then `react`): one transaction."""
        batch = CommandBatch(self.handler, self.on_record, False, f"{self.name}: ")
        await batch.handle(items)

    def read(self, record: KafkaRecord, origin: RecordOrigin) -> Inbound:
        """The command the event calls for (none if it concerns us not), or why it is unreadable."""
        event = decode_upstream(record, origin, self.handler.store.registry)
        return event if isinstance(event, Inbound) else self.react(record, origin, event)

    def react(self, record: KafkaRecord, origin: RecordOrigin, event: Envelope[Message]) -> Inbound:
        """The command a decoded event of this topic calls for, if any."""
        try:
            command = self.reaction(event)
        except CannotReact as error:
            return Inbound(record, origin, unreadable=str(error))
        except Exception as error:  # a bug must not stop the rest of the batch
            log.exception("reaction_failed", topic=origin.topic, offset=origin.offset)
            return Inbound(record, origin, unreadable=f"internal error: {error!r}")
        if command is None:
            return Inbound(record, origin)
        return Inbound(record, origin, command=self.command_envelope(event, command))

    async def _react(self, record: KafkaRecord, origin: RecordOrigin) -> None:
        item = self.read(record, origin)
        if item.unreadable is not None:
            reason = f"{self.name}: {item.unreadable}"
            await self.handler.dead_letter(record, origin, reason, reply=False)
        elif item.command is not None:
            handle = partial(self.handler.handle, reply=False)
            await traced_handle(self.handler.service, item.command, handle)

    def command_envelope(self, event: Envelope[Any], command: Message) -> Envelope[Any]:
        """Seeing the same event twice yields the same command id: handled once."""
        return ENVELOPE_OF_MESSAGE(
            id=deterministic_id(event.id, self.name),
            source=source_of(self.handler.service),
            time=self.handler.clock(),
            subject=event.subject,
            data=command,
            correlation_id=event.correlation_id,
            causation_id=event.id,
            actor=self.name,
            traceparent=event.traceparent,
            tracestate=event.tracestate,
        )

    def _failed(self, record: KafkaRecord, origin: RecordOrigin) -> Callable[[Exception], Any]:
        async def dead_letter(error: Exception) -> None:
            reason = f"{self.name}: internal error: {error!r}"
            await self.handler.dead_letter(record, origin, reason, reply=False)

        return dead_letter


def decode_upstream(
    record: KafkaRecord, origin: RecordOrigin, registry: Registry
) -> Envelope[Message] | Inbound:
    """The event, or why it is set aside: it does not decode, or it decodes but not as one of
    this topic's events (never ignored: a forged or misplaced record is dead-lettered)."""
    try:
        event = decode(record, registry)
    except UndecodableMessage as error:
        return Inbound(record, origin, unreadable=str(error))
    except Exception as error:  # a bug must not stop the rest of the batch
        log.exception("record_unreadable", topic=origin.topic, offset=origin.offset)
        return Inbound(record, origin, unreadable=f"internal error: {error!r}")
    why = misplaced(origin.topic, record, event)
    return event if why is None else Inbound(record, origin, unreadable=why)


__all__ = ["CannotReact", "Policy", "Reaction", "decode_upstream"]
