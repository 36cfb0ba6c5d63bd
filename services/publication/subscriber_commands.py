"""Subscriber commands on publication's commands topic: the kit's handler with the subscriber
decider, plus the one write no event may carry (a webhook's secret), in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from events.envelope import Envelope
from events.kafka import KafkaRecord, UndecodableMessage, decode
from events.registry import TypeName, UnknownType
from events.replies import CommandOutcome, OutcomeStatus
from events.subscribers import RegisterSubscriber, RemoveSubscriber, RequestRedelivery
from events.subscribers import SubscriberCommand as SubscriberMessage
from services.kit.db import Connection
from services.kit.dlq import RecordOrigin
from services.kit.handler import (
    CONCURRENT_WRITE,
    MAX_CONCURRENCY_RETRIES,
    CommandHandler,
    retry_transient,
)
from services.publication.delivery_sql import INSERT_SECRET

log = structlog.get_logger()
SUBSCRIBER_COMMANDS = frozenset(
    model.type_name() for model in (RegisterSubscriber, RemoveSubscriber, RequestRedelivery)
)


def is_subscriber_command(record: KafkaRecord) -> bool:
    """Routing on the ce_type header alone: the body is decoded by whichever path takes it."""
    ce_type = record.header("ce_type") or ""
    try:
        return TypeName.parse(ce_type).name in SUBSCRIBER_COMMANDS
    except UnknownType:
        return False


@dataclass
class SubscriberCommandHandler:
    handler: CommandHandler  # with the subscriber decider and the subscriber tables' writer

    async def handle_safely(self, record: KafkaRecord, origin: RecordOrigin) -> None:
        async def dead_letter(error: Exception) -> None:
            await self.handler.dead_letter(record, origin, f"internal error: {error!r}")

        await retry_transient(lambda: self.handle_record(record, origin), dead_letter)

    async def handle_record(self, record: KafkaRecord, origin: RecordOrigin) -> None:
        try:
            envelope = decode(record, self.handler.store.registry)
        except UndecodableMessage as error:
            await self.handler.dead_letter(record, origin, str(error))
            return
        command = envelope.data
        if not isinstance(command, SubscriberMessage):
            await self.handler.dead_letter(record, origin, f"{command.ce_type()} is no command")
            return
        if command.subscriber_id != envelope.subject:
            await self.handler.dead_letter(record, origin, "ce_subject differs from subscriber_id")
            return
        await self.handle(envelope)

    async def handle(self, envelope: Envelope[Any]) -> CommandOutcome:
        for _ in range(MAX_CONCURRENCY_RETRIES):
            try:
                async with self.handler.pool.acquire() as conn, conn.transaction():
                    outcome = await self.handler.decide_and_record(conn, envelope, reply=True)
                    await self._keep_secret(conn, envelope, outcome)
                    return outcome
            except CONCURRENT_WRITE:
                log.info("concurrent_write_retry", command_id=envelope.id)
        raise RuntimeError(f"subscriber {envelope.subject} kept changing under {envelope.id}")

    async def _keep_secret(
        self, conn: Connection, envelope: Envelope[Any], outcome: CommandOutcome
    ) -> None:
        command = envelope.data
        if outcome.status is not OutcomeStatus.ACCEPTED or not isinstance(
            command, RegisterSubscriber
        ):
            return
        if command.secret is not None:
            sql = INSERT_SECRET.format(schema=self.handler.store.schema)
            await conn.execute(sql, command.subscriber_id, command.secret)
