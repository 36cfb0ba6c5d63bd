"""PostgreSQL adapter of one service's event store, command log and outbox (all in one schema)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from events.base import Event, Message
from events.envelope import Envelope
from events.kafka import KafkaRecord
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

    async def known_many(
        self, conn: Connection, command_ids: Sequence[str], stream_ids: Sequence[str]
    ) -> tuple[dict[str, CommandOutcome], dict[str, list[Event]]]:
        """The stored outcome of each command id handled before, and each stream's events in
        version order (a stream without any is absent), in ONE statement: one round trip before
        deciding a batch instead of two (issue 15: a round trip is 0.3-0.5 ms on an idle stack).
        The streams of repeated commands are read too: a repeat is rare, and it is not folded."""
        rows = await conn.fetch(
            f"SELECT 0 AS part, command_id AS key, 0 AS version, NULL AS event_type,"
            f" outcome AS data FROM {self.schema}.processed_commands"
            " WHERE command_id = ANY($1::text[])"
            f" UNION ALL SELECT 1, stream_id, version, event_type, data FROM {self.schema}.events"
            " WHERE stream_id = ANY($2::text[]) ORDER BY part, key, version",
            list(command_ids),
            list(stream_ids),
        )
        priors: dict[str, CommandOutcome] = {}
        streams: dict[str, list[Event]] = defaultdict(list)
        for r in rows:
            if r["part"] == 0:
                priors[r["key"]] = CommandOutcome.model_validate_json(r["data"])
            else:
                streams[r["key"]].append(self._event(r))
        return priors, dict(streams)

    def _event(self, row: Any) -> Event:
        # Upcasters apply here too: a service always folds the latest version of each event.
        return _as_event(self.registry.read(row["event_type"], json.loads(row["data"])))

    async def processed(self, conn: Connection, command_id: str) -> CommandOutcome | None:
        outcome = await conn.fetchval(
            f"SELECT outcome FROM {self.schema}.processed_commands WHERE command_id = $1",
            command_id,
        )
        return None if outcome is None else CommandOutcome.model_validate_json(outcome)

    async def write(
        self,
        conn: Connection,
        events: Sequence[Envelope[Event]],
        outbox: Sequence[OutboxRow],
        outcomes: Sequence[CommandOutcome],
        data: Sequence[str] | None = None,
    ) -> None:
        """Events, outbox rows and outcomes in ONE statement: one round trip whatever the count
        (issue 15: they were three statements, each of them a round trip). Rows go in in the
        order given, so ids follow it (the relay publishes in id order). Raises
        asyncpg.UniqueViolationError when another writer took an event's version or an
        outcome's command id; nothing of the statement is written then. `data`: each event's
        data as JSON already (its Kafka record's value), if at hand."""
        parts = (
            (_INSERT_EVENTS, _event_columns(events, data)) if events else None,
            (_INSERT_OUTCOMES, _outcome_columns(outcomes)) if outcomes else None,
            (_INSERT_OUTBOX, _outbox_columns(outbox)) if outbox else None,
        )
        present = [part for part in parts if part is not None]
        if not present:
            return
        args: list[object] = []
        statements = []
        for template, columns in present:
            first = len(args) + 1
            statements.append(template.format(schema=self.schema, **_placeholders(first, columns)))
            args += columns
        *before, last = statements
        ctes = ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(before))
        await conn.execute(f"WITH {ctes} {last}" if ctes else last, *args)

    async def rows_to_outbox(self, conn: Connection, rows: Sequence[OutboxRow]) -> None:
        """In the order given (the relay publishes in id order). The table's trigger wakes the
        relay on `notify_channel` when the transaction commits (services/kit/sql/003_*.sql)."""
        await self.write(conn, [], rows, [])


def _as_event(message: Message) -> Event:
    """A release's event, or a subscriber's: folded alike, though only the first is an `Event`."""
    if message.kind != "event":
        raise TypeError(f"{message.ce_type()} stored as an event")
    return cast(Event, message)


# One `INSERT … SELECT FROM unnest(…) WITH ORDINALITY … ORDER BY` per table: rows in the given
# order (serial ids are drawn as rows are inserted). `{pN}` are the parameters' numbers.
_INSERT_EVENTS = (
    "INSERT INTO {schema}.events (stream_id, version, event_id, event_type, data, occurred_at,"
    " actor, correlation_id, causation_id)"
    " SELECT stream_id, version, event_id, event_type, data::jsonb, occurred_at, actor,"
    " correlation_id, causation_id FROM unnest(${p0}::text[], ${p1}::int[], ${p2}::text[],"
    " ${p3}::text[], ${p4}::text[], ${p5}::timestamptz[], ${p6}::text[], ${p7}::text[],"
    " ${p8}::text[]) WITH ORDINALITY AS e(stream_id, version, event_id, event_type, data,"
    " occurred_at, actor, correlation_id, causation_id, n) ORDER BY n"
)
_INSERT_OUTCOMES = (
    "INSERT INTO {schema}.processed_commands (command_id, command_type, stream_id, status,"
    " outcome) SELECT command_id, command_type, stream_id, status, outcome::jsonb"
    " FROM unnest(${p0}::text[], ${p1}::text[], ${p2}::text[], ${p3}::text[], ${p4}::text[])"
    " AS o(command_id, command_type, stream_id, status, outcome)"
)
# A row's headers go as two array literals of its own (`{"ce_id","ce_type"}`, `{"\\x…"}`),
# cast by PostgreSQL: an array of arrays must be rectangular, and headers are not. (They were
# slices `[first:last]` of every row's headers laid end to end: PostgreSQL walks a text or bytea
# array from its start to find a slice, so a batch of 500 commands spent most of its statement
# there, quadratic in the batch; docs/benchmarks.md.)
_INSERT_OUTBOX = (
    "INSERT INTO {schema}.outbox (topic, key, value, header_keys, header_values)"
    " SELECT topic, key, value, header_keys::text[], header_values::bytea[]"
    " FROM unnest(${p0}::text[], ${p1}::bytea[], ${p2}::bytea[], ${p3}::text[], ${p4}::text[])"
    " WITH ORDINALITY AS r(topic, key, value, header_keys, header_values, n) ORDER BY n"
)


def _placeholders(first: int, columns: Sequence[object]) -> dict[str, int]:
    return {f"p{n}": first + n for n in range(len(columns))}


def _event_columns(
    envelopes: Sequence[Envelope[Event]], data: Sequence[str] | None
) -> list[list[Any]]:
    texts = data if data is not None else [json.dumps(e.data.data()) for e in envelopes]
    return [
        [e.subject for e in envelopes],
        [e.sequence for e in envelopes],
        [e.id for e in envelopes],
        [e.type for e in envelopes],
        list(texts),
        [e.time for e in envelopes],
        [e.actor for e in envelopes],
        [e.correlation_id for e in envelopes],
        [e.causation_id for e in envelopes],
    ]


def _outcome_columns(outcomes: Sequence[CommandOutcome]) -> list[list[Any]]:
    return [
        [o.command_id for o in outcomes],
        [o.command_type for o in outcomes],
        [o.release_id for o in outcomes],
        [o.status.value for o in outcomes],
        [o.model_dump_json() for o in outcomes],
    ]


def _outbox_columns(rows: Sequence[OutboxRow]) -> list[list[Any]]:
    return [
        [topic for topic, _ in rows],
        [record.key for _, record in rows],
        [record.value for _, record in rows],
        [text_array_literal([k for k, _ in record.headers]) for _, record in rows],
        [bytea_array_literal([v for _, v in record.headers]) for _, record in rows],
    ]


def text_array_literal(items: Sequence[str]) -> str:
    """PostgreSQL's text form of a text[]: every element quoted, its `\\` and `"` escaped."""
    quoted = (item.replace("\\", "\\\\").replace('"', '\\"') for item in items)
    return "{" + ",".join(f'"{item}"' for item in quoted) + "}"


def bytea_array_literal(items: Sequence[bytes | None]) -> str:
    """PostgreSQL's text form of a bytea[]: each element in hex (`\\x…`, its backslash escaped
    inside the quotes), NULL for a header without a value."""
    return "{" + ",".join("NULL" if v is None else f'"\\\\x{v.hex()}"' for v in items) + "}"
