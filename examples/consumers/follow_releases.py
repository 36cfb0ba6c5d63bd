"""Follow one Pressroom events topic with the consumer kit (pip install pressroom-events aiokafka).

- Its own consumer group: the first start reads the topic from the beginning; a restart goes on
  from the offsets it committed.
- Redelivery is expected (the outbox relay may publish an event twice, and a crash before the
  commit reads a batch again): each event is handled once, by event id (`ce_id`).
- `--since TIME` replays from a moment: each partition is moved to the first offset whose
  timestamp is at or after TIME (Kafka's offsets_for_times).

    python follow_releases.py --topic pressroom.drafting.events --group my-newswire
    python follow_releases.py --topic pressroom.drafting.events --group my-replay \\
        --since 2026-01-08T07:00:00Z --until-caught-up

Prints one JSON line per event handled, then a summary line when it stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from events.base import Message
from events.consumer import UndecodableMessage, decode
from events.drafting import DraftCreated, DraftRevised, DraftSubmitted
from events.envelope import Envelope


class SeenEvents:
    """Event ids already handled. In memory here; a real consumer keeps them in its own database,
    written in the same transaction as the effect, so a redelivery after a restart is skipped
    too."""

    def __init__(self) -> None:
        self._ids: set[str] = set()

    def first_time(self, event_id: str) -> bool:
        if event_id in self._ids:
            return False
        self._ids.add(event_id)
        return True


def what_happened(data: Message) -> str:
    """The typed models at work: a match on the classes a consumer cares about."""
    match data:
        case DraftCreated(content=content):
            return f"created: {content.title}"
        case DraftRevised(revision=revision, changed_fields=fields):
            return f"revision {revision} changed {', '.join(fields) or 'something'}"
        case DraftSubmitted(authors=authors):
            return f"submitted; authors {', '.join(authors)}"
        case _:
            return data.type_name()


def handle(envelope: Envelope[Message]) -> dict[str, Any]:
    """The effect: here, one line of JSON."""
    return {
        "event_id": envelope.id,
        "ce_type": envelope.type,
        "release_id": envelope.subject,
        "sequence": envelope.sequence,
        "model": type(envelope.data).__name__,
        "what": what_happened(envelope.data),
    }


class StartAt(ConsumerRebalanceListener):  # type: ignore[misc]
    """On assignment: seek to `since` if given, and note where each partition ends now."""

    def __init__(self, consumer: AIOKafkaConsumer, since: datetime | None) -> None:
        self.consumer, self.since = consumer, since
        self.ends: dict[TopicPartition, int] = {}

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        partitions = list(assigned)
        self.ends = await self.consumer.end_offsets(partitions)
        if self.since is None:
            return  # the committed offset, or the beginning for a new group
        moment = int(self.since.timestamp() * 1000)
        found = await self.consumer.offsets_for_times({tp: moment for tp in partitions})
        for tp in partitions:
            at = found.get(tp)
            self.consumer.seek(tp, at.offset if at is not None else self.ends[tp])


async def follow(
    topic: str,
    bootstrap: str,
    group: str,
    since: datetime | None = None,
    until_caught_up: bool = False,
    out: Any = sys.stdout,
) -> dict[str, int]:
    """Reads `topic` as `group`, handling each event once; returns how many of what it saw."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,  # committed after the batch is handled: at-least-once
    )
    start_at = StartAt(consumer, since)
    consumer.subscribe([topic], listener=start_at)
    seen, counts = SeenEvents(), {"handled": 0, "duplicates": 0, "undecodable": 0}
    await consumer.start()
    try:
        while not (until_caught_up and await _caught_up(consumer, start_at.ends)):
            batch = await consumer.getmany(timeout_ms=500)
            for record in (r for records in batch.values() for r in records):
                counts[_one(record, seen, out)] += 1
            if batch:
                await consumer.commit()
    finally:
        await consumer.stop()
    return counts


def _one(record: Any, seen: SeenEvents, out: Any) -> str:
    try:
        envelope = decode(record)
    except UndecodableMessage as error:
        # A real consumer dead-letters it with the reason, then goes on.
        print(json.dumps({"undecodable": str(error), "offset": record.offset}), file=out)
        return "undecodable"
    if not seen.first_time(envelope.id):
        return "duplicates"
    print(json.dumps(handle(envelope)), file=out, flush=True)
    return "handled"


async def _caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    if not ends:
        return False  # not assigned yet
    return all([await consumer.position(tp) >= end for tp, end in ends.items()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topic", default="pressroom.drafting.events")
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--group", required=True, help="this consumer's own group id")
    parser.add_argument("--since", type=datetime.fromisoformat, help="replay from this time")
    parser.add_argument("--until-caught-up", action="store_true", help="stop at the end")
    args = parser.parse_args()
    if args.since is not None and args.since.tzinfo is None:
        parser.error("--since needs an offset, e.g. 2026-01-08T07:00:00+00:00")
    counts = asyncio.run(
        follow(args.topic, args.bootstrap, args.group, args.since, args.until_caught_up)
    )
    print(json.dumps({"summary": counts}))


if __name__ == "__main__":
    main()
