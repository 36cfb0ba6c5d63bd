"""Where each poisoned record must end up: the DLQ of every consumer of its topic (the services'
pressroom.<svc>.dlq, the projector's projections.dead_letters), found by its source
(topic, partition, offset) with a reason; and the sending of the poison itself."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaProducer

from events import topics
from operator_tools.dead_letters import kafka_dead_letters
from services.kit.dlq import DeadLetter
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings
from services.read_models.dead_letters import projector_dead_letters
from tests.chaos.poison_messages import Poison

PROJECTOR = "projector"
# Who consumes each topic (the agents in services/*/agents.py, the projector's PROJECTED_TOPICS):
# each of them must dead-letter a poisoned record, in its own DLQ.
CONSUMERS: dict[str, tuple[str, ...]] = {
    topics.DRAFTING_COMMANDS: (topics.DRAFTING_DLQ,),
    topics.APPROVAL_COMMANDS: (topics.APPROVAL_DLQ,),
    topics.EMBARGO_COMMANDS: (topics.EMBARGO_DLQ,),
    topics.PUBLICATION_COMMANDS: (topics.PUBLICATION_DLQ,),
    topics.DRAFTING_EVENTS: (topics.APPROVAL_DLQ, topics.PUBLICATION_DLQ, PROJECTOR),
    topics.APPROVAL_EVENTS: (
        topics.DRAFTING_DLQ,
        topics.EMBARGO_DLQ,
        topics.PUBLICATION_DLQ,
        PROJECTOR,
    ),
    topics.EMBARGO_EVENTS: (topics.PUBLICATION_DLQ, PROJECTOR),
    topics.PUBLICATION_EVENTS: (topics.DRAFTING_DLQ, topics.EMBARGO_DLQ, PROJECTOR),
    topics.REPLIES: (PROJECTOR,),
}
MAX_REQUEST_BYTES = 2 * 1024 * 1024  # the broker, not this producer, decides what is too large
Source = tuple[str, int, int]


@dataclass(frozen=True)
class Sent:
    poison: Poison
    source: Source  # topic, partition, offset


async def send_poison(settings: Settings, poisons: Sequence[Poison], pause_s: float) -> list[Sent]:
    """Each record as it is (no signing here), one after another with a pause between them."""
    producer = AIOKafkaProducer(
        **client_kwargs(settings=settings), acks="all", max_request_size=MAX_REQUEST_BYTES
    )
    await producer.start()
    sent = []
    try:
        for poison in poisons:
            record = poison.record
            meta = await producer.send_and_wait(
                poison.topic, record.value, key=record.key, headers=record.headers
            )
            sent.append(Sent(poison, (poison.topic, meta.partition, meta.offset)))
            await asyncio.sleep(pause_s)
    finally:
        await producer.stop()
    return sent


async def dead_letters(settings: Settings) -> dict[tuple[str, Source], DeadLetter]:
    """Every dead letter now, by (the DLQ it is in, the record it came from)."""
    found = {}
    for letter in await kafka_dead_letters(settings.kafka_bootstrap):
        if letter.source is not None:
            found[(letter.topic, letter.source)] = letter
    conn = await asyncpg.connect(settings.dsn_for("projector"))
    try:
        for letter in await projector_dead_letters(conn):
            found[(PROJECTOR, (letter.topic, letter.partition, letter.offset))] = letter
    finally:
        await conn.close()
    return found


def missing(sent: Sequence[Sent], found: dict[tuple[str, Source], DeadLetter]) -> list[str]:
    """Each (poison, consumer) pair with no dead letter, or one without a reason."""
    gaps = []
    for item in sent:
        for dlq in CONSUMERS[item.poison.topic]:
            letter = found.get((dlq, item.source))
            if letter is None or not letter.reason or letter.reason.startswith("(no reason"):
                gaps.append(f"{item.poison.kind} not in {dlq}")
    return gaps
