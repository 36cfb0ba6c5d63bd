"""The storm's view of Kafka: replies and embargo events from the current end on, kept as they
arrive, with the timestamp Kafka gave each lift (when it reached the topic)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer

from dev_tools.bench.kafka_tail import tailing
from events.catalog import REGISTRY
from events.embargo import EmbargoLifted
from events.kafka import KafkaRecord, UndecodableMessage, decode
from events.replies import CommandOutcome
from events.topics import EMBARGO_EVENTS, REPLIES


@dataclass
class Tap:
    """What the storm's commands got back, and the first lift of each of its releases."""

    bootstrap: str
    releases: set[str]
    outcomes: dict[str, CommandOutcome] = field(default_factory=dict)
    lifts: dict[str, tuple[EmbargoLifted, int]] = field(default_factory=dict)  # event, ms stamp
    duplicates: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set after every batch

    def count_outcomes(self, command_ids: list[str]) -> int:
        return sum(1 for command_id in command_ids if command_id in self.outcomes)

    async def answered(self, command_id: str) -> CommandOutcome:
        while command_id not in self.outcomes:
            self.arrived.clear()
            await self.arrived.wait()
        return self.outcomes[command_id]

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, bootstrap: str, releases: set[str]) -> AsyncIterator[Tap]:
        """Positioned at the end before anything is sent, so it sees every answer to the storm."""
        tap = cls(bootstrap, releases)
        async with tailing(bootstrap, (REPLIES, EMBARGO_EVENTS), tap._read):
            yield tap

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            for partition, records in (await consumer.getmany(timeout_ms=200)).items():
                for record in records:
                    self._keep(partition.topic, record)
            self.arrived.set()

    def _keep(self, topic: str, record: Any) -> None:
        kafka_record = KafkaRecord(record.key, record.value, list(record.headers or ()))
        if topic == EMBARGO_EVENTS and (record.key or b"").decode() not in self.releases:
            return  # another release's event: not decoded, the storm is busy enough
        try:
            message = decode(kafka_record, REGISTRY).data
        except UndecodableMessage:
            return  # somebody's garbage on the replies topic is not the storm's business
        if isinstance(message, CommandOutcome):
            self.outcomes[message.command_id] = message
        elif isinstance(message, EmbargoLifted):
            self._lifted(message, record.timestamp)

    def _lifted(self, event: EmbargoLifted, stamp_ms: int) -> None:
        if event.release_id in self.lifts:
            self.duplicates += 1
        else:
            self.lifts[event.release_id] = (event, stamp_ms)
