"""The bot: commands straight to Kafka, signed with the session's key, answered on
pressroom.replies. A command without an answer in time is sent again with the same id (as a bot
that cannot tell whether it arrived would): the service must answer it once, with one outcome."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from events.base import Message
from events.catalog import REGISTRY
from events.kafka import KafkaRecord, decode, encode
from events.replies import CommandOutcome
from events.topics import REPLIES
from services.kit.kafka_clients import client_kwargs
from services.kit.kafka_meta import topic_partitions
from tests.chaos.ledger import Ledger, key_text
from tests.support import command_envelope, signed_record

ANSWER_S = 20.0  # then the same command is sent again


class Bot:
    def __init__(self, bootstrap: str, ledger: Ledger) -> None:
        self.bootstrap, self.ledger = bootstrap, ledger
        self.producer = AIOKafkaProducer(
            **client_kwargs(bootstrap), acks="all", enable_idempotence=True
        )
        self.consumer = AIOKafkaConsumer(**client_kwargs(bootstrap), enable_auto_commit=False)
        self.outcomes: dict[str, CommandOutcome] = {}
        self.waiting: dict[str, asyncio.Event] = {}
        self._reading: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.producer.start()
        await self.consumer.start()
        partitions = await topic_partitions(self.bootstrap, REPLIES)
        self.consumer.assign(partitions)
        await self.consumer.seek_to_end(*partitions)
        self._reading = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        await self.consumer.stop()
        await self.producer.stop()

    async def _read(self) -> None:
        while True:
            try:
                batches = await self.consumer.getmany(timeout_ms=500)
            except KafkaError:
                await asyncio.sleep(1)
                continue
            for record in (r for batch in batches.values() for r in batch):
                command_id = key_text(record.key)
                if command_id in self.waiting:
                    self.outcomes[command_id] = _decoded(record)
                    self.waiting[command_id].set()

    async def send(self, topic: str, command: Message, deadline: float) -> CommandOutcome | None:
        """The command's outcome, or None if none came before `deadline` (loop time)."""
        envelope = command_envelope(command, actor=command.actor.id)  # type: ignore[attr-defined]
        record = signed_record(encode(envelope))
        answered = self.waiting.setdefault(envelope.id, asyncio.Event())
        loop = asyncio.get_running_loop()
        while loop.time() < deadline:
            with contextlib.suppress(KafkaError, TimeoutError):
                await asyncio.wait_for(
                    self.producer.send_and_wait(
                        topic, record.value, key=record.key, headers=record.headers
                    ),
                    ANSWER_S,
                )
                # on the topic: from now on it must be answered, once
                self.ledger.commands[envelope.id] = command.type
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered.wait(), ANSWER_S)
            if answered.is_set():
                return self.outcomes.pop(envelope.id)
            await asyncio.sleep(1)
        return None


def _decoded(record: Any) -> CommandOutcome:
    kafka_record = KafkaRecord(record.key, record.value, list(record.headers or ()))
    return decode(kafka_record, REGISTRY).data  # type: ignore[return-value]
