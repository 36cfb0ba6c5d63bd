"""Commands out to Kafka, outcomes back from pressroom.replies, matched by command id."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Protocol

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from events.base import Command
from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import KafkaRecord, UndecodableMessage, decode, encode
from events.replies import CommandOutcome
from events.signing import CommandSigner
from events.topics import REPLIES, commands_topic
from services.gateway.reply_waiters import ReplyWaiters
from services.kit.command_auth import signed, signer_from_settings
from services.kit.health import kafka_answers
from services.kit.kafka_clients import client_kwargs, consumer_kwargs
from services.kit.partitioner import PARTITIONER
from services.kit.settings import Settings

log = structlog.get_logger()
RETRY_SECONDS = 2.0


class CommandNotSent(Exception):
    """Kafka did not take the command: nothing was queued, the client may retry."""


class CommandBus(Protocol):
    """Port: send one command and wait (bounded) for its outcome."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def readiness(self) -> dict[str, bool]: ...
    async def dispatch(self, envelope: Envelope[Any], wait_s: float) -> CommandOutcome | None: ...


class KafkaCommandBus:
    """Idempotent producer for commands; a group-less consumer of every replies partition."""

    def __init__(
        self,
        bootstrap: str,
        client_id: str = "pressroom-gateway",
        *,
        signer: CommandSigner | None,
        settings: Settings | None = None,
    ) -> None:
        self.bootstrap, self.client_id = bootstrap, client_id
        # Every command leaves signed with the gateway's key: services refuse anything else.
        self.signer, self.settings = signer, settings
        self.waiters = ReplyWaiters()
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._clients: list[Any] = []
        self._assigned = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._probe: asyncio.Task[None] | None = None
        self._broker_answers = False

    @classmethod
    def from_settings(cls, settings: Settings) -> KafkaCommandBus:
        """Raises CommandKeysMissing when no signing key is set (and insecure mode not asked)."""
        return cls(
            settings.kafka_bootstrap, signer=signer_from_settings(settings), settings=settings
        )

    async def start(self, wait_s: float = 15.0) -> None:
        """Connects (retrying in the background); returns once listening, or after `wait_s`."""
        self._task = asyncio.create_task(self._run(), name="gateway-replies")
        self._probe = asyncio.create_task(self._ask_broker(), name="gateway-kafka-probe")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._assigned.wait(), wait_s)
        if not self._assigned.is_set():
            log.warning("kafka_not_ready", bootstrap=self.bootstrap, retrying_every_s=RETRY_SECONDS)

    async def stop(self) -> None:
        """Stops listening and flushes the producer."""
        for task in (self._task, self._probe):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._disconnect()

    def readiness(self) -> dict[str, bool]:
        """What /readyz reports for Kafka."""
        return {
            "kafka_producer": self._producer is not None,
            "replies_listener": self._assigned.is_set(),
            "kafka_broker": self._broker_answers,
        }

    async def _ask_broker(self) -> None:
        """A connected producer and an assigned listener do not notice the broker gone until
        they next need it: ask it for metadata every few seconds."""
        while True:
            consumer = self._consumer
            answers = consumer is not None and await kafka_answers(consumer.topics, RETRY_SECONDS)
            self._broker_answers = answers
            await asyncio.sleep(RETRY_SECONDS)

    async def dispatch(self, envelope: Envelope[Any], wait_s: float) -> CommandOutcome | None:
        """Sends the command; its outcome, or None when none arrived within `wait_s` seconds."""
        if self._producer is None or not self._assigned.is_set():
            raise CommandNotSent("the gateway is not connected to Kafka yet")
        command: Command = envelope.data
        record = signed(self.signer, encode(envelope))
        future = self.waiters.register(envelope.id)
        try:
            async with asyncio.timeout(wait_s):
                await self._producer.send_and_wait(
                    commands_topic(command.service),
                    record.value,
                    key=record.key,
                    headers=record.headers,
                )
                return await future
        except TimeoutError:
            return None
        except KafkaError as error:
            raise CommandNotSent(f"Kafka refused the command: {error}") from error
        finally:
            self.waiters.discard(envelope.id, future)

    async def _run(self) -> None:
        # A background task must not die silently: any failure reconnects after a pause.
        while True:
            try:
                await self._connect()
                await self._listen()
            except Exception as error:  # logged, then retried
                log.warning("kafka_connection_failed", error=str(error) or type(error).__name__)
            await self._disconnect()
            await asyncio.sleep(RETRY_SECONDS)

    async def _connect(self) -> None:
        producer = AIOKafkaProducer(
            **client_kwargs(self.bootstrap, self.settings),
            client_id=self.client_id,
            enable_idempotence=True,
            acks="all",
            partitioner=PARTITIONER,
        )
        consumer = AIOKafkaConsumer(
            **consumer_kwargs(self.bootstrap, self.settings),
            client_id=self.client_id,
            group_id=None,
            enable_auto_commit=False,
        )
        self._clients = [producer, consumer]  # stopped by _disconnect if anything below fails
        await producer.start()
        self._producer = producer
        partitions = await producer.partitions_for(REPLIES)
        await consumer.start()
        assignment = [TopicPartition(REPLIES, p) for p in sorted(partitions)]
        consumer.assign(assignment)
        await consumer.seek_to_end(*assignment)
        for partition in assignment:  # resolve "end" now, before the first command is sent
            await consumer.position(partition)
        self._consumer = consumer
        self._assigned.set()
        log.info("replies_listener_assigned", topic=REPLIES, partitions=len(assignment))

    async def _listen(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    self.read_reply(KafkaRecord(record.key, record.value, list(record.headers)))

    def read_reply(self, record: KafkaRecord) -> None:
        """A malformed reply is the projector's to dead-letter (it reads every reply, once);
        here it is logged and passed over, never a reason to stop listening."""
        try:
            self.handle_reply(record)
        except Exception as error:  # any record must not cost the waiters their replies
            log.warning("reply_unusable", error=repr(error)[:500])

    def handle_reply(self, record: KafkaRecord) -> None:
        """Resolves the waiters of the command this reply is for; ignores anything else."""
        # Replies for other gateways' commands are the common case: skip them before decoding.
        key = record.key.decode("utf-8", "replace") if record.key else None
        if key not in self.waiters and record.header("ce_subject") not in self.waiters:
            return
        try:
            outcome = decode(record, REGISTRY).data
        except UndecodableMessage as error:
            log.warning("reply_undecodable", reason=str(error))
            return
        if isinstance(outcome, CommandOutcome):
            self.waiters.resolve(outcome)

    async def _disconnect(self) -> None:
        self._assigned.clear()
        clients, self._clients = self._clients, []
        self._producer = self._consumer = None
        for client in clients:
            with contextlib.suppress(Exception):
                await client.stop()
