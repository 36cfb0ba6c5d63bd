"""What the stack answers the Kafka-driven whole releases: the reply to each of the bench's
commands (pressroom.replies, keyed by command id) and the approval request opened for each of its
releases (pressroom.approval.events, keyed by release id), each handed to the one step awaiting it.

Read from the topics' current end, positioned before anything is sent. A record is decoded only
when its key is awaited: the bench shares the two CPUs with the stack it measures."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer

from dev_tools.bench.drafting import BenchFailed
from dev_tools.bench.kafka_tail import tailing
from events.approval import ApprovalRequested
from events.catalog import REGISTRY
from events.kafka import KafkaRecord, UndecodableMessage, decode
from events.replies import CommandOutcome
from events.topics import APPROVAL_EVENTS, REPLIES

POLL_MS = 100


@dataclass
class Answers:
    """One future per command awaiting its reply and per release awaiting its approval request;
    a step registers its future before it sends, so no answer can arrive unseen."""

    outcomes: dict[str, asyncio.Future[CommandOutcome]] = field(default_factory=dict)
    requests: dict[str, asyncio.Future[ApprovalRequested]] = field(default_factory=dict)

    failure: BenchFailed | None = None  # the reader stopped: every answer awaited fails with it

    def outcome_of(self, command_id: str) -> asyncio.Future[CommandOutcome]:
        return self.outcomes.setdefault(command_id, self._future())

    def request_for(self, release_id: str) -> asyncio.Future[ApprovalRequested]:
        return self.requests.setdefault(release_id, self._future())

    def _future(self) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.failure is not None:
            future.set_exception(self.failure)
        return future

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, bootstrap: str) -> AsyncIterator[Answers]:
        answers = cls()
        async with tailing(bootstrap, (REPLIES, APPROVAL_EVENTS), answers._read):
            yield answers

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        try:
            await self._read_forever(consumer)
        except Exception as error:  # every step waiting would otherwise wait out its timeout
            self.failure = BenchFailed(f"reading the stack's answers from Kafka failed: {error!r}")
            waiting: list[asyncio.Future[Any]] = [*self.outcomes.values(), *self.requests.values()]
            for future in waiting:
                if not future.done():
                    future.set_exception(self.failure)

    async def _read_forever(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            for partition, records in (await consumer.getmany(timeout_ms=POLL_MS)).items():
                awaited: dict[str, Any] = (
                    self.outcomes if partition.topic == REPLIES else self.requests
                )
                for record in records:
                    waiting = awaited.get((record.key or b"").decode(errors="replace"))
                    if waiting is not None and not waiting.done():
                        _hand_over(waiting, record)


def _hand_over(waiting: asyncio.Future[Any], record: Any) -> None:
    """The answer awaited, or nothing: an approval event other than the request, or a record
    somebody else wrote under the same key, is not the bench's business."""
    try:
        message = decode(
            KafkaRecord(record.key, record.value, list(record.headers or ())), REGISTRY
        )
    except UndecodableMessage:
        return
    if isinstance(message.data, CommandOutcome | ApprovalRequested):
        waiting.set_result(message.data)
