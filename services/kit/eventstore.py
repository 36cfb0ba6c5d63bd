"""PostgreSQL adapter of one service's event store, command log and outbox (all in one schema)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from events.base import Event, Message
from events.envelope import Envelope
from events.kafka import KafkaRecord, encode
from events.registry import Registry
from events.replies import CommandOutcome
from services.kit.db import Connection

OUTBOX_CHANNEL_SUFFIX = "_outbox"


@dataclass(frozen=True)
class EventStore:
    """All statements take the caller's connection: the caller owns the transaction."""

    schema: str
    registry: Registry

    @property
    def notify_channel(self) -> str:
        return f"{self.schema}{OUTBOX_CHANNEL_SUFFIX}"

    async def load(self, conn: Connection, stream_id: str) -> list[Event]:
        rows = await conn.fetch(
            f"SELECT event_type, data FROM {self.schema}.events "
            "WHERE stream_id = $1 ORDER BY version",
            stream_id,
        )
        # Upcasters apply here too: a service always folds the latest version of each event.
        return [_as_event(self.registry.read(r["event_type"], json.loads(r["data"]))) for r in rows]

    async def append(self, conn: Connection, envelopes: list[Envelope[Event]]) -> None:
        """Raises asyncpg.UniqueViolationError when another writer took one of the versions."""
        await conn.executemany(
            f"INSERT INTO {self.schema}.events (stream_id, version, event_id, event_type, data,"
            " occurred_at, actor, correlation_id, causation_id)"
            " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)",
            [
                (
                    e.subject,
                    e.sequence,
                    e.id,
                    e.type,
                    json.dumps(e.data.data()),
                    e.time,
                    e.actor,
                    e.correlation_id,
                    e.causation_id,
                )
                for e in envelopes
            ],
        )

    async def processed(self, conn: Connection, command_id: str) -> CommandOutcome | None:
        outcome = await conn.fetchval(
            f"SELECT outcome FROM {self.schema}.processed_commands WHERE command_id = $1",
            command_id,
        )
        return None if outcome is None else CommandOutcome.model_validate_json(outcome)

    async def record_outcome(self, conn: Connection, outcome: CommandOutcome) -> None:
        await conn.execute(
            f"INSERT INTO {self.schema}.processed_commands"
            " (command_id, command_type, stream_id, status, outcome)"
            " VALUES ($1, $2, $3, $4, $5::jsonb)",
            outcome.command_id,
            outcome.command_type,
            outcome.release_id,
            outcome.status.value,
            outcome.model_dump_json(),
        )

    async def to_outbox(self, conn: Connection, topic: str, record: KafkaRecord) -> None:
        await conn.execute(
            f"INSERT INTO {self.schema}.outbox (topic, key, value, header_keys, header_values)"
            " VALUES ($1, $2, $3, $4, $5)",
            topic,
            record.key,
            record.value,
            [k for k, _ in record.headers],
            [v for _, v in record.headers],
        )
        # Wakes the relay at commit (NOTIFY is transactional), so it never polls in a loop.
        await conn.execute(f"NOTIFY {self.notify_channel}")

    async def envelopes_to_outbox(
        self, conn: Connection, topic: str, envelopes: list[Envelope[Any]]
    ) -> None:
        for envelope in envelopes:
            await self.to_outbox(conn, topic, encode(envelope))


def _as_event(message: Message) -> Event:
    if not isinstance(message, Event):
        raise TypeError(f"{message.ce_type()} stored as an event")
    return message
