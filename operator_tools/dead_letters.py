"""Every dead letter: the Kafka DLQs (pressroom.<svc>.dlq) and the projector's parked records
(projections.dead_letters), with reason, original bytes and headers, and re-drive status."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from asyncpg import Record

from events.kafka import KafkaRecord
from events.topics import DLQ_TOPICS
from operator_tools.kafka_io import log_ranges, read_ranges
from services.kit import dlq
from services.kit.db import Connection

KAFKA = "kafka"
PROJECTOR = "projector"
Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class DeadLetter:
    store: str  # KAFKA or PROJECTOR
    topic: str  # where it sits: the DLQ topic, or for the projector the source topic
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers  # for Kafka DLQs, the original headers plus the pressroom_dlq_* ones
    reason: str
    failed_at: datetime | None
    source: tuple[str, int, int] | None  # the record that failed: topic, partition, offset
    redriven: str | None = None  # ops.redriven result, once re-driven

    @property
    def ref(self) -> str:
        """What `pressroom dlq show` takes."""
        prefix = f"{PROJECTOR}:" if self.store == PROJECTOR else ""
        return f"{prefix}{self.topic}:{self.partition}:{self.offset}"

    @property
    def record(self) -> KafkaRecord:
        """The original record, DLQ headers stripped: what re-drive decodes."""
        return dlq.original_of(KafkaRecord(self.key, self.value, list(self.headers)))

    def header(self, name: str) -> str | None:
        return KafkaRecord(self.key, self.value, list(self.headers)).header(name)

    @property
    def ce_type(self) -> str:
        return self.header("ce_type") or "?"

    @property
    def release(self) -> str:
        return (self.key or b"").decode("utf-8", errors="replace")


@dataclass(frozen=True)
class DeadLetterFilter:
    where: str | None = None  # a part of the ce_type, e.g. DraftRevised or DraftRevised.v1
    release: str | None = None
    pending_only: bool = False

    def accepts(self, letter: DeadLetter) -> bool:
        return (
            (self.where is None or self.where in letter.ce_type)
            and (self.release is None or letter.release == self.release)
            and not (self.pending_only and letter.redriven is not None)
        )


async def kafka_dead_letters(bootstrap: str) -> list[DeadLetter]:
    ranges = await log_ranges(bootstrap, DLQ_TOPICS)
    return [
        _from_kafka(r)
        for records in [x async for x in read_ranges(bootstrap, ranges)]
        for r in records
    ]


async def projector_dead_letters(conn: Connection) -> list[DeadLetter]:
    if await conn.fetchval("SELECT to_regclass('projections.dead_letters')") is None:
        return []
    rows = await conn.fetch(
        'SELECT topic, partition, "offset", key, value, headers::text AS headers, reason,'
        ' failed_at FROM projections.dead_letters ORDER BY topic, partition, "offset"'
    )
    return [_from_projector(row) for row in rows]


async def redriven_results(conn: Connection) -> dict[tuple[str, int, int], str]:
    rows = await conn.fetch('SELECT topic, partition, "offset", result FROM ops.redriven')
    return {(r["topic"], r["partition"], r["offset"]): r["result"] for r in rows}


def _from_kafka(record: Any) -> DeadLetter:
    headers = tuple((str(k), bytes(v)) for k, v in (record.headers or ()))
    found = dict(headers)
    text = {
        k: v.decode("utf-8", errors="replace") for k, v in found.items() if k in dlq.DLQ_HEADERS
    }
    source = None
    if {dlq.SOURCE_TOPIC, dlq.SOURCE_PARTITION, dlq.SOURCE_OFFSET} <= text.keys():
        source = (
            text[dlq.SOURCE_TOPIC],
            int(text[dlq.SOURCE_PARTITION]),
            int(text[dlq.SOURCE_OFFSET]),
        )
    return DeadLetter(
        KAFKA,
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        headers,
        text.get(dlq.REASON, "(no reason recorded)"),
        _time(text.get(dlq.FAILED_AT)),
        source,
    )


def _from_projector(row: Record) -> DeadLetter:
    headers = tuple(
        (h["key"], base64.b64decode(h["value"])) for h in json.loads(row["headers"] or "[]")
    )
    where = (row["topic"], row["partition"], row["offset"])
    return DeadLetter(
        PROJECTOR,
        *where,
        row["key"],
        row["value"],
        headers,
        row["reason"],
        row["failed_at"],
        where,
    )


def _time(text: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment if moment is not None and moment.utcoffset() is not None else None


async def list_dead_letters(
    bootstrap: str, conn: Connection, where: DeadLetterFilter = DeadLetterFilter()
) -> list[DeadLetter]:
    """Kafka DLQs first, then the projector's; each marked with its re-drive result, if any."""
    letters = [*await kafka_dead_letters(bootstrap), *await projector_dead_letters(conn)]
    done = await redriven_results(conn)
    marked = [replace(x, redriven=done.get((x.topic, x.partition, x.offset))) for x in letters]
    return [letter for letter in marked if where.accepts(letter)]
