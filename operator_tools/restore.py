"""`pressroom import FILE.jsonl`: an export written back into an empty cluster: same topics,
partitions, keys, headers and timestamps, in order per partition, so offsets come out the same
and a rebuild gives the same read models."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from operator_tools.cloudevents_json import LogRecord, from_cloudevent
from operator_tools.errors import OpsError
from operator_tools.positions import end_offsets
from operator_tools.progress import SILENT, ProgressSink
from services.kit.kafka_clients import client_kwargs
from services.kit.kafka_meta import topic_partitions
from services.kit.settings import Settings
from services.kit.topic_specs import topic_specs
from services.kit.topics_admin import ensure_topics

IN_FLIGHT = 1_000  # acks awaited together; the idempotent producer keeps each partition's order


@dataclass(frozen=True)
class ImportSummary:
    records: int
    per_topic: dict[str, int]
    moved: int  # records that got another offset than in the export (the source had gaps)


async def import_log(
    settings: Settings, path: Path, progress: ProgressSink = SILENT
) -> ImportSummary:
    """Reads the file twice: first to check all of it, then to produce it."""
    bootstrap, partitions = settings.kafka_bootstrap, settings.topic_partitions
    per_topic, widest = _check_file(path)
    if widest > partitions:
        raise OpsError(
            f"the export has {widest} partitions per topic, this cluster creates"
            f" {partitions}: set PRESSROOM_TOPIC_PARTITIONS={widest}"
        )
    await ensure_topics(bootstrap, topic_specs(settings, tuple(per_topic)))
    await _refuse_unless_empty(bootstrap, tuple(per_topic))
    advance = progress.task(f"Importing {path.name}", sum(per_topic.values()))
    moved = await _produce(bootstrap, _records(path), advance)
    return ImportSummary(sum(per_topic.values()), dict(per_topic), moved)


def _check_file(path: Path) -> tuple[Counter[str], int]:
    per_topic: Counter[str] = Counter()
    widest = 0
    for record in _records(path):
        per_topic[record.topic] += 1
        widest = max(widest, record.partition + 1)
    if not per_topic:
        raise OpsError(f"{path} holds no records")
    return per_topic, widest


def _records(path: Path) -> Iterator[LogRecord]:
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    yield _parse(line, path, number)
    except OSError as error:
        raise OpsError(f"cannot read {path}: {error.strerror or error}") from error


def _parse(line: str, path: Path, number: int) -> LogRecord:
    try:
        event: Any = json.loads(line)
        return from_cloudevent(event)
    except (ValueError, KeyError, TypeError) as error:
        raise OpsError(f"{path}:{number} is not a line of `pressroom export`: {error!r}") from None


async def _refuse_unless_empty(bootstrap: str, topics: tuple[str, ...]) -> None:
    ends = await end_offsets(bootstrap, await topic_partitions(bootstrap, *topics))
    busy = sorted({tp.topic for tp, end in ends.items() if end > 0})
    if busy:
        raise OpsError(f"not empty: {', '.join(busy)}; import restores into an empty cluster only")


async def _produce(bootstrap: str, records: Iterator[LogRecord], advance: Any) -> int:
    producer = AIOKafkaProducer(**client_kwargs(bootstrap), acks="all", enable_idempotence=True)
    await producer.start()
    moved = 0
    try:
        pending: list[tuple[LogRecord, asyncio.Future[Any]]] = []
        for record in records:
            pending.append((record, await _send(producer, record)))
            if len(pending) >= IN_FLIGHT:
                moved += await _settle(pending, advance)
        moved += await _settle(pending, advance)
    finally:
        await producer.stop()
    return moved


async def _send(producer: AIOKafkaProducer, record: LogRecord) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = await producer.send(
        record.topic,
        record.value,
        key=record.key,
        partition=record.partition,
        timestamp_ms=record.timestamp,
        headers=list(record.headers),
    )
    return future


async def _settle(pending: list[tuple[LogRecord, asyncio.Future[Any]]], advance: Any) -> int:
    sent = await asyncio.gather(*(future for _, future in pending))
    moved = sum(
        1 for (record, _), meta in zip(pending, sent, strict=True) if meta.offset != record.offset
    )
    advance(len(pending))
    pending.clear()
    return moved
