"""`pressroom export FILE.jsonl`: every projected topic (each events topic and the command
outcomes), record by record as CloudEvents JSON lines, in offset order per partition."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from operator_tools.cloudevents_json import RAW_TYPE, LogRecord, to_cloudevent
from operator_tools.kafka_io import log_ranges, read_ranges
from operator_tools.progress import SILENT, ProgressSink
from services.kit.consumer_groups import PROJECTED_TOPICS

# What a restore needs for the read models to come back: every events topic, and the replies
# (command outcomes). Commands and dead letters are requests and incidents, not the record.
EXPORTED_TOPICS = PROJECTED_TOPICS


@dataclass(frozen=True)
class ExportSummary:
    records: int
    raw: int  # records that are not CloudEvents, kept as RawRecord lines
    per_topic: dict[str, int]
    ends: dict[tuple[str, int], int]  # where each partition's export stopped (its end then)


async def export_log(
    bootstrap: str,
    path: Path,
    progress: ProgressSink = SILENT,
    topics: tuple[str, ...] = EXPORTED_TOPICS,
) -> ExportSummary:
    """Up to each partition's end at the start: records arriving meanwhile are for next time."""
    ranges = await log_ranges(bootstrap, topics)
    advance = progress.task(f"Exporting to {path.name}", sum(r.count for r in ranges.values()))
    per_topic = dict.fromkeys(topics, 0)
    raw = 0
    with path.open("w", encoding="utf-8") as out:
        async for events in _events(bootstrap, ranges):
            for event in events:
                out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
                per_topic[event["kafkatopic"]] += 1
                raw += event["type"] == RAW_TYPE
            advance(len(events))
    ends = {(tp.topic, tp.partition): r.end for tp, r in ranges.items()}
    return ExportSummary(sum(per_topic.values()), raw, per_topic, ends)


async def _events(bootstrap: str, ranges: Any) -> AsyncIterator[list[dict[str, Any]]]:
    async for records in read_ranges(bootstrap, ranges):
        yield [to_cloudevent(log_record(r)) for r in records]


def log_record(record: Any) -> LogRecord:
    """An aiokafka ConsumerRecord as exported. A header may have no value (Kafka allows it,
    and poison input has it): kept as None, not a crash of the whole export."""
    headers = tuple((str(k), None if v is None else bytes(v)) for k, v in (record.headers or ()))
    return LogRecord(
        record.topic,
        record.partition,
        record.offset,
        record.timestamp,
        record.key,
        record.value,
        headers,
    )
