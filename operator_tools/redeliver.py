"""`pressroom dlq redeliver`: an operator asks publication to try a subscriber's failed
deliveries again (RequestRedelivery on pressroom.publication.commands), and hears the outcome."""

from __future__ import annotations

import asyncio
import getpass
import re
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from events.actor import Actor
from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import decode, encode
from events.replies import CommandOutcome
from events.subscribers import RequestRedelivery
from events.topics import PUBLICATION_COMMANDS, REPLIES
from services.kit.command_auth import signed, signer_from_settings
from services.kit.kafka_clients import client_kwargs
from services.kit.log_reader import read_log
from services.kit.settings import load_settings

REPLY_WAIT_S = 30.0


def operator() -> Actor:
    """The person at the terminal, as an operator: the audit trail names them."""
    name = re.sub(r"[^A-Za-z0-9._-]", "-", getpass.getuser()) or "unknown"
    return Actor(id=f"operator:{name}", roles=["operator"])


async def request_redelivery(
    bootstrap: str, subscriber_id: str, release_id: str | None
) -> CommandOutcome | None:
    """The command's outcome, or None if none came within REPLY_WAIT_S (it may still come)."""
    actor = operator()
    command = RequestRedelivery(subscriber_id=subscriber_id, actor=actor, release_id=release_id)
    command_id = str(uuid.uuid4())
    envelope = Envelope[RequestRedelivery](
        id=command_id, source="/pressroom/cli", time=datetime.now(UTC), subject=subscriber_id,
        data=command, correlation_id=command_id, actor=actor.id,
    )  # fmt: skip
    # Signed with the operator's key (PRESSROOM_COMMAND_SIGNING_KEY): publication takes no other.
    record = signed(signer_from_settings(load_settings()), encode(envelope))
    producer = AIOKafkaProducer(**client_kwargs(bootstrap), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            PUBLICATION_COMMANDS, record.value, key=record.key, headers=record.headers
        )
    finally:
        await producer.stop()
    return await _reply(bootstrap, command_id)


async def _reply(bootstrap: str, command_id: str) -> CommandOutcome | None:
    key = command_id.encode()
    deadline = asyncio.get_running_loop().time() + REPLY_WAIT_S
    while asyncio.get_running_loop().time() < deadline:
        found = await read_log(bootstrap, (REPLIES,), lambda r: r.key == key)
        if found:
            outcome = decode(found[-1], REGISTRY).data
            return outcome if isinstance(outcome, CommandOutcome) else None
        await asyncio.sleep(0.5)
    return None
