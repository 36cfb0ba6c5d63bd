"""Kafka helpers of the embargo service tests: commands in bulk, events with their log time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from events.actor import Actor
from events.approval import ApprovalRequested, ApproveStage
from events.base import Message
from events.catalog import REGISTRY
from events.content import ReleaseContent
from events.drafting import CreateDraft, SubmitDraft
from events.embargo import NoteApproval, SetEmbargo
from events.kafka import KafkaRecord, decode, encode
from events.replies import CommandOutcome, OutcomeStatus
from events.topics import (
    APPROVAL_COMMANDS,
    APPROVAL_EVENTS,
    DRAFTING_COMMANDS,
    EMBARGO_COMMANDS,
    EMBARGO_DLQ,
    EMBARGO_EVENTS,
    REPLIES,
)
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.dlq import REASON
from services.kit.kafka_clients import client_kwargs
from services.kit.kafka_meta import topic_partitions
from tests.support import (
    command_envelope,
    eventually,
    read_topic,
    send_command,
    send_record,
    signed_record,
    wait_for_reply,
)

PAULA = Actor(id="paula", roles=["press-officer"], organisation="fco")
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
# fco's policy: policy, then legal (services/approval/policies.yaml).
APPROVERS = {
    "policy": Actor(id="erin", roles=["approver:policy"], organisation="fco"),
    "legal": Actor(id="frank", roles=["approver:legal"], organisation="fco"),
}
HASH = "sha256:" + "e" * 64


@dataclass(frozen=True)
class Logged:
    """An embargo event as it sits on the topic, with the time Kafka stamped on the record."""

    data: Any
    time: datetime  # the envelope's ce_time: when the service decided
    logged_at: datetime  # the Kafka record's timestamp: when it reached the topic


def whole_seconds_from_now(seconds: float) -> datetime:
    """Whole seconds, so a Kafka timestamp (whole ms) compares with it without rounding."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)


async def read_records(bootstrap: str, topic: str, keys: set[bytes]) -> list[Any]:
    """aiokafka's records (with timestamps) of `keys`, from offset 0 to the current end."""
    partitions = await topic_partitions(bootstrap, topic)
    consumer = AIOKafkaConsumer(**client_kwargs(bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[Any] = []
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                found += [record for record in batch if record.key in keys]
        return found
    finally:
        await consumer.stop()


async def embargo_events(bootstrap: str, *release_ids: str) -> list[Logged]:
    keys = {release_id.encode() for release_id in release_ids}
    logged = []
    for r in await read_records(bootstrap, EMBARGO_EVENTS, keys):
        envelope = decode(KafkaRecord(r.key, r.value, list(r.headers or ())), REGISTRY)
        stamped = datetime.fromtimestamp(r.timestamp / 1000, UTC)
        logged.append(Logged(envelope.data, envelope.time, stamped))
    return logged


async def events_of(bootstrap: str, kind: str, *release_ids: str, count: int = 1) -> list[Logged]:
    """The releases' embargo events of one type, once there are at least `count` of them."""

    async def probe() -> list[Logged] | None:
        found = [e for e in await embargo_events(bootstrap, *release_ids) if e.data.type == kind]
        return found if len(found) >= count else None

    return await eventually(probe, what=f"{count} {kind}")


async def send_all(
    bootstrap: str, commands: Sequence[Message], topic: str = EMBARGO_COMMANDS
) -> list[CommandOutcome]:
    """Every command sent at once, in order; their outcomes, in the same order."""
    envelopes = [command_envelope(command) for command in commands]
    producer = AIOKafkaProducer(**client_kwargs(bootstrap), acks="all")
    await producer.start()
    try:
        for record in (signed_record(encode(envelope)) for envelope in envelopes):
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        await producer.flush()
    finally:
        await producer.stop()
    ids = [envelope.id for envelope in envelopes]
    return await eventually(lambda: _outcomes(bootstrap, ids), what=f"{len(ids)} replies")


async def _outcomes(bootstrap: str, ids: list[str]) -> list[CommandOutcome] | None:
    records = await read_records(bootstrap, REPLIES, {i.encode() for i in ids})
    replies = [
        decode(KafkaRecord(r.key, r.value, list(r.headers or ())), REGISTRY) for r in records
    ]
    by_id: dict[str, Any] = {reply.subject: reply.data for reply in replies}
    return [by_id[i] for i in ids] if len(by_id) == len(ids) else None


def approved_and_embargoed(release_id: str, lift_at: datetime, **terms: Any) -> list[Message]:
    """What the approval policy would send, then a press officer's embargo."""
    note = NoteApproval(release_id=release_id, actor=SYSTEM_ACTOR, revision=1, content_hash=HASH)
    embargo = SetEmbargo(release_id=release_id, actor=PAULA, lift_at=lift_at, **terms)
    return [note, embargo]


async def approved_by_people(bootstrap: str) -> ApprovalRequested:
    """A release alice writes and submits, approved at every stage by erin and frank."""
    release_id = new_release()
    content = ReleaseContent(title="UK and Japan", body="Talks.", organisations=["fco"])
    for command in (
        CreateDraft(release_id=release_id, actor=ALICE, content=content),
        SubmitDraft(release_id=release_id, actor=ALICE),
    ):
        assert (await send_command(bootstrap, DRAFTING_COMMANDS, command)).status == "accepted"
    request: ApprovalRequested = await eventually(lambda: _request(bootstrap, release_id))
    for stage in request.stages:
        approve = ApproveStage(
            release_id=release_id, actor=APPROVERS[stage.name], stage=stage.name,
            revision=request.revision, content_hash=request.content_hash,
        )  # fmt: skip
        assert (await send_command(bootstrap, APPROVAL_COMMANDS, approve)).status == "accepted"
    return request


async def _request(bootstrap: str, release_id: str) -> ApprovalRequested | None:
    records = await read_topic(bootstrap, APPROVAL_EVENTS, lambda r: r.key == release_id.encode())
    found = [decode(r, REGISTRY).data for r in records]
    return next((e for e in found if isinstance(e, ApprovalRequested)), None)


def new_release() -> str:
    return f"embargo-test-{uuid.uuid4()}"


async def dead_lettered(bootstrap: str, record: KafkaRecord, reason_mentions: str) -> None:
    """A poisoned embargo command: its reply says undecodable, and it sits in the DLQ with why."""
    marker, command_id = uuid.uuid4().hex, f"poison-{uuid.uuid4()}"
    headers = [(k, command_id.encode() if k == "ce_id" else v) for k, v in record.headers]
    marked = [*headers, ("test_marker", marker.encode())]
    await send_record(bootstrap, EMBARGO_COMMANDS, KafkaRecord(record.key, record.value, marked))
    reply = await wait_for_reply(bootstrap, command_id)
    assert reply.status is OutcomeStatus.UNDECODABLE and reply.problem is not None
    assert reason_mentions in reply.problem.detail
    [dead] = await eventually(
        lambda: read_topic(bootstrap, EMBARGO_DLQ, lambda r: r.header("test_marker") == marker),
        what="the dead letter",
    )
    assert dead.value == record.value and reason_mentions in (dead.header(REASON) or "")
