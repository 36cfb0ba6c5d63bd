"""One consumed record, read before any transaction: the command to decide, or why it is set
aside (a dead letter, and a reply when the record names a command someone waits on). No I/O: a
batch reads all its records first, then writes them all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

import structlog

from events.base import Message
from events.envelope import Envelope
from events.kafka import KafkaRecord, UndecodableMessage, decode, encode
from events.registry import Registry
from events.topics import REPLIES, dlq_topic
from services.kit import outcomes
from services.kit.command_auth import CommandVerifier, Refusal, refusal_rows
from services.kit.dlq import RecordOrigin, dead_letter
from services.kit.eventstore import OutboxRow
from services.kit.record_checks import answerable_id, misplaced

log = structlog.get_logger()


@dataclass(frozen=True)
class Inbound:
    """A record and what reading it came to: a command, a refusal, a reason it cannot be read,
    or none of them (an upstream event its policy ignores)."""

    record: KafkaRecord
    origin: RecordOrigin
    command: Envelope[Any] | None = None
    refusal: Refusal | None = None
    unreadable: str | None = None

    @property
    def set_aside(self) -> bool:
        return self.refusal is not None or self.unreadable is not None


class StreamCommand(Protocol):
    """A command of any stream: a release's (`Command`) or another's (a subscriber's)."""

    def stream_id(self) -> str: ...


def read_command(
    record: KafkaRecord,
    origin: RecordOrigin,
    service: str,
    registry: Registry,
    verifier: CommandVerifier,
) -> Inbound:
    """Signature and sender's scope, then decoding: never raises. A failure other than bad
    input (a bug) sets the record aside too, as the one-record path does: it must not stop the
    rest of its batch."""
    try:
        return _read(record, origin, service, registry, verifier)
    except Exception as error:
        log.exception("record_unreadable", topic=origin.topic, offset=origin.offset)
        return Inbound(record, origin, unreadable=f"internal error: {error!r}")


def _read(
    record: KafkaRecord,
    origin: RecordOrigin,
    service: str,
    registry: Registry,
    verifier: CommandVerifier,
) -> Inbound:
    refusal = verifier.check(record)
    if refusal is not None:
        return Inbound(record, origin, refusal=refusal)
    try:
        envelope = decode(record, registry)
        command = _own_command(envelope.data, service)
    except UndecodableMessage as error:
        return Inbound(record, origin, unreadable=str(error))
    if command.stream_id() != envelope.subject:
        return Inbound(record, origin, unreadable="ce_subject differs from the command's stream")
    why = misplaced(origin.topic, record, envelope)  # its key and subject: its stream's
    if why is not None:
        return Inbound(record, origin, unreadable=why)
    refusal = verifier.check_actor(record, envelope.data)
    if refusal is not None:
        return Inbound(record, origin, refusal=refusal)
    return Inbound(record, origin, command=envelope)


def set_aside_rows(
    item: Inbound, service: str, now: datetime, reply: bool = True
) -> list[OutboxRow]:
    """What a refused or unreadable record leaves: itself in the DLQ with the reason, and the
    reason on pressroom.replies when it names a command id (a bot that sent garbage hears why)."""
    if item.refusal is not None:
        return refusal_rows(service, now, item.record, item.origin, item.refusal)
    reason = item.unreadable or "unreadable"
    log.warning("dead_letter", topic=item.origin.topic, offset=item.origin.offset, reason=reason)
    rows = [(dlq_topic(service), dead_letter(item.record, item.origin, reason, now))]
    command_id = answerable_id(item.record)
    if reply and command_id:
        header = item.record.header
        outcome = outcomes.undecodable(command_id, header("ce_type"), header("ce_subject"), reason)
        actor = header("ce_actor") or "unknown"
        answer = outcomes.reply_envelope(outcome, service, now, command_id, actor)
        rows.append((REPLIES, encode(answer)))
    return rows


def _own_command(message: Message, service: str) -> StreamCommand:
    if message.kind != "command" or message.service != service or not hasattr(message, "stream_id"):
        raise UndecodableMessage(f"{message.ce_type()} is not a {service} command")
    return cast(StreamCommand, message)
