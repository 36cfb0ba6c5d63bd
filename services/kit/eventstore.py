"""PostgreSQL adapter of one service's event store, command log and outbox (all in one schema)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from events.base import Event, Message
from events.envelope import Envelope
from events.kafka import KafkaRecord, encode
from events.registry import Registry
from events.replies import CommandOutcome
from services.kit.db import Connection

OUTBOX_CHANNEL_SUFFIX = "_outbox"
# One row for the relay: the topic it goes to and the record as it will be produced.
OutboxRow = tuple[str, KafkaRecord]


@dataclass(frozen=True)
class EventStore:
    """All statements take the caller's connection: the caller owns the transaction. Writes of
    many rows are one `executemany` each: one round trip to PostgreSQL, whatever the count."""

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
        return [self._event(r) for r in rows]

    async def load_many(
        self, conn: Connection, stream_ids: Sequence[str]
    ) -> dict[str, list[Event]]:
        """Each stream's events in version order, in one statement; one without any is absent."""
        rows = await conn.fetch(
            f"SELECT stream_id, event_type, data FROM {self.schema}.events"
            " WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version",
            list(stream_ids),
        )
        streams: dict[str, list[Event]] = defaultdict(list)
        for r in rows:
            streams[r["stream_id"]].append(self._event(r))
        return dict(streams)

    def _event(self, row: Any) -> Event:
        # Upcasters apply here too: a service always folds the latest version of each event.
        return _as_event(self.registry.read(row["event_type"], json.loads(row["data"])))

    async def append(
        self,
        conn: Connection,
        envelopes: list[Envelope[Event]],
        data: Sequence[str] | None = None,
    ) -> None:
        """Raises asyncpg.UniqueViolationError when another writer took one of the versions.
        `data`: each event's data as JSON already (its Kafka record's value), if at hand."""
        texts = data if data is not None else [json.dumps(e.data.data()) for e in envelopes]
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
                    text,
                    e.time,
                    e.actor,
                    e.correlation_id,
                    e.causation_id,
                )
                for e, text in zip(envelopes, texts, strict=True)
            ],
        )

    async def processed(self, conn: Connection, command_id: str) -> CommandOutcome | None:
        outcome = await conn.fetchval(
            f"SELECT outcome FROM {self.schema}.processed_commands WHERE command_id = $1",
            command_id,
        )
        return None if outcome is None else CommandOutcome.model_validate_json(outcome)

    async def processed_many(
        self, conn: Connection, command_ids: Sequence[str]
    ) -> dict[str, CommandOutcome]:
        """The stored outcome of each command id handled before, in one statement."""
        rows = await conn.fetch(
            f"SELECT command_id, outcome FROM {self.schema}.processed_commands"
            " WHERE command_id = ANY($1::text[])",
            list(command_ids),
        )
        return {r["command_id"]: CommandOutcome.model_validate_json(r["outcome"]) for r in rows}

    async def record_outcomes(self, conn: Connection, outcomes: Sequence[CommandOutcome]) -> None:
        await conn.executemany(
            f"INSERT INTO {self.schema}.processed_commands"
            " (command_id, command_type, stream_id, status, outcome)"
            " VALUES ($1, $2, $3, $4, $5::jsonb)",
            [
                (o.command_id, o.command_type, o.release_id, o.status.value, o.model_dump_json())
                for o in outcomes
            ],
        )

    async def to_outbox(self, conn: Connection, topic: str, record: KafkaRecord) -> None:
        await self.rows_to_outbox(conn, [(topic, record)])

    async def envelopes_to_outbox(
        self, conn: Connection, topic: str, envelopes: list[Envelope[Any]]
    ) -> None:
        await self.rows_to_outbox(conn, [(topic, encode(envelope)) for envelope in envelopes])

    async def rows_to_outbox(self, conn: Connection, rows: Sequence[OutboxRow]) -> None:
        """In the order given (the relay publishes in id order). The table's trigger wakes the
        relay on `notify_channel` when the transaction commits (services/kit/sql/003_*.sql)."""
        await conn.executemany(
            f"INSERT INTO {self.schema}.outbox (topic, key, value, header_keys, header_values)"
            " VALUES ($1, $2, $3, $4, $5)",
            [
                (topic, r.key, r.value, [k for k, _ in r.headers], [v for _, v in r.headers])
                for topic, r in rows
            ],
        )


def _as_event(message: Message) -> Event:
    """A release's event, or a subscriber's: folded alike, though only the first is an `Event`."""
    if message.kind != "event":
        raise TypeError(f"{message.ce_type()} stored as an event")
    return cast(Event, message)
