"""Helpers the integration and end-to-end tests share: Kafka I/O, and waiting on a condition."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from aiokafka import AIOKafkaProducer

from events.base import Message
from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import KafkaRecord, decode, encode
from events.replies import CommandOutcome
from events.topics import REPLIES
from services.kit.command_auth import signed, signer_from_settings
from services.kit.kafka_clients import client_kwargs
from services.kit.log_reader import read_log
from services.kit.settings import Settings

T = TypeVar("T")
# Generous: tests wait for real processes on a 2-core machine; they never assert on speed.
WAIT_S = 60.0


async def eventually(
    probe: Callable[[], Awaitable[T | None]], timeout: float = WAIT_S, what: str = ""
) -> T:
    """Polls `probe` until it returns something other than None/False."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or probe}")
        await asyncio.sleep(0.2)


async def wall_clock_past(instant: datetime, timeout: float = WAIT_S) -> None:
    """Waits until the wall clock has passed `instant`: for a test whose premise is that a time
    (a lift, a deadline) falls during something, never to let other processes catch up."""

    async def passed() -> bool:
        return datetime.now(UTC) > instant

    remaining = (instant - datetime.now(UTC)).total_seconds()
    await eventually(passed, timeout + max(0.0, remaining), f"the clock to pass {instant}")


def command_envelope(
    command: Message, actor: str = "alice", command_id: str | None = None
) -> Envelope[Message]:
    command_id = command_id or str(uuid.uuid4())
    fields = command.model_dump()
    # A subscriber's commands are keyed by its id; every other command by its release's.
    subject = fields.get("subscriber_id") or fields["release_id"]
    return Envelope[Message](
        id=command_id,
        source="/tests",
        time=datetime.now(UTC),
        subject=subject,
        data=command,
        correlation_id=command_id,
        actor=actor,
    )


def signed_record(record: KafkaRecord) -> KafkaRecord:
    """As a sender holding the session's key (infra_fixture) puts a command on a topic."""
    return signed(signer_from_settings(Settings()), record)


async def send_record(bootstrap: str, topic: str, record: KafkaRecord, sign: bool = True) -> None:
    """Commands leave signed with the session's key (infra_fixture), unless `sign` is False."""
    if sign and topic.endswith(".commands"):
        record = signed_record(record)
    producer = AIOKafkaProducer(**client_kwargs(bootstrap), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str, topic: str, predicate: Callable[[KafkaRecord], bool] = lambda _: True
) -> list[KafkaRecord]:
    """Every record now on the topic (offset 0 to the current end) that matches."""
    return await read_log(bootstrap, (topic,), predicate)


async def wait_for_reply(
    bootstrap: str, command_id: str, timeout: float = WAIT_S
) -> CommandOutcome:
    async def probe() -> CommandOutcome | None:
        records = await read_topic(bootstrap, REPLIES, lambda r: r.key == command_id.encode())
        return decode(records[-1], REGISTRY).data if records else None  # type: ignore[return-value]

    return await eventually(probe, timeout, f"the reply to {command_id}")


async def send_command(
    bootstrap: str, topic: str, command: Message, timeout: float = WAIT_S, **envelope_args: Any
) -> CommandOutcome:
    envelope = command_envelope(command, **envelope_args)
    await send_record(bootstrap, topic, encode(envelope))
    return await wait_for_reply(bootstrap, envelope.id, timeout)


def make_target(
    target: str, schemas: Path | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Runs `make TARGET` in the checkout (optionally on a copy of schemas/), output captured."""
    from services.kit.settings import REPO_ROOT

    extra = [f"SCHEMAS_DIR={schemas}"] if schemas else []
    return subprocess.run(
        ["make", "-s", "--no-print-directory", target, *extra],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def header_bytes(record: KafkaRecord) -> dict[str, bytes]:
    """A record's headers as the CloudEvents SDKs take them, a dict of bytes: what Pressroom
    writes never has a header without a value (Kafka allows one, so `Headers` does)."""
    headers = dict(record.headers)
    assert None not in headers.values(), headers
    return cast(dict[str, bytes], headers)
