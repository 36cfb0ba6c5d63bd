"""The drafting service as a real process on real Kafka and PostgreSQL: writes, crashes, DLQ."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from typing import cast

import asyncpg
import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

from events.actor import Actor
from events.base import Message
from events.content import ContentChanges, ReleaseContent
from events.drafting import CreateDraft, ReviseDraft
from events.kafka import KafkaRecord, encode
from events.replies import OutcomeStatus
from events.topics import DRAFTING_COMMANDS, DRAFTING_DLQ, DRAFTING_EVENTS
from services.kit.dlq import REASON
from tests.e2e.stack_fixture import Stack, drafting_answers
from tests.integration.crashing_service import as_crashing
from tests.integration.embargo_support import send_all
from tests.support import (
    command_envelope,
    eventually,
    header_bytes,
    read_topic,
    send_command,
    send_record,
    wait_for_reply,
)

pytestmark = pytest.mark.integration
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")


def create(release_id: str) -> CreateDraft:
    return CreateDraft(
        release_id=release_id,
        actor=ALICE,
        content=ReleaseContent(title="UK and Japan talks", organisations=["fco"]),
    )


async def events_of(stack: Stack, release_id: str) -> list[KafkaRecord]:
    return await read_topic(
        stack.settings.kafka_bootstrap, DRAFTING_EVENTS, lambda r: r.key == release_id.encode()
    )


async def test_a_command_becomes_a_cloudevent_any_sdk_reads(stack: Stack) -> None:
    release_id = str(uuid.uuid4())
    outcome = await send_command(
        stack.settings.kafka_bootstrap, DRAFTING_COMMANDS, create(release_id)
    )
    assert outcome.status is OutcomeStatus.ACCEPTED and outcome.stream_version == 1
    [record] = await eventually(lambda: events_of(stack, release_id), what="the DraftCreated event")
    # The CloudEvents SDK validates every attribute as it reads: this is what downstream sees.
    event = from_binary_event(
        KafkaMessage(headers=header_bytes(record), key=record.key, value=cast(bytes, record.value))
    )
    assert event.get_type() == "pressroom.drafting.DraftCreated.v1"
    assert event.get_source() == "/pressroom/drafting" and event.get_subject() == release_id
    assert (
        event.get_extension("sequence") == "0000000001" and event.get_extension("actor") == "alice"
    )
    assert event.get_extension("causationid") == outcome.command_id
    data = event.get_data()
    assert isinstance(data, dict) and data["content"]["title"] == "UK and Japan talks"


async def test_kcat_reads_the_event_with_its_ce_headers(stack: Stack) -> None:
    release_id = str(uuid.uuid4())
    await send_command(stack.settings.kafka_bootstrap, DRAFTING_COMMANDS, create(release_id))
    await eventually(lambda: events_of(stack, release_id), what="the event")
    done = await asyncio.to_thread(
        subprocess.run,
        [
            "kcat",
            "-C",
            "-b",
            stack.settings.kafka_bootstrap,
            "-t",
            DRAFTING_EVENTS,
            "-e",
            "-q",
            "-f",
            "%k\t%h\t%s\n",
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    output = done.stdout.decode("utf-8", errors="replace")  # other tests put garbage on topics
    [line] = [line for line in output.splitlines() if line.startswith(release_id)]
    _, headers, value = line.split("\t")
    assert (
        "ce_type=pressroom.drafting.DraftCreated.v1" in headers and "ce_specversion=1.0" in headers
    )
    assert json.loads(value)["release_id"] == release_id


async def test_a_repeated_command_id_gets_the_same_outcome_and_no_new_event(stack: Stack) -> None:
    release_id, command_id = str(uuid.uuid4()), str(uuid.uuid4())
    bootstrap = stack.settings.kafka_bootstrap
    first = await send_command(
        bootstrap, DRAFTING_COMMANDS, create(release_id), command_id=command_id
    )
    await send_record(
        bootstrap,
        DRAFTING_COMMANDS,
        encode(command_envelope(create(release_id), command_id=command_id)),
    )
    replies = await eventually(
        lambda: _replies(bootstrap, command_id, at_least=2), what="two replies"
    )
    assert {r for r in replies} == {first.model_dump_json()}
    assert len(await events_of(stack, release_id)) == 1


async def _replies(bootstrap: str, command_id: str, at_least: int) -> list[str] | None:
    from events.catalog import REGISTRY
    from events.kafka import decode
    from events.topics import REPLIES

    records = await read_topic(bootstrap, REPLIES, lambda r: r.key == command_id.encode())
    return (
        [decode(r, REGISTRY).data.model_dump_json() for r in records]
        if len(records) >= at_least
        else None
    )


@pytest.mark.parametrize(
    "garbage",
    [
        KafkaRecord(b"k", b"\x00\xffnot json", []),
        KafkaRecord(
            b"k",
            b"{}",
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"x1"),
                ("ce_source", b"/t"),
                ("ce_type", b"pressroom.drafting.Nonsense.v1"),
            ],
        ),
        KafkaRecord(
            b"k",
            b'{"type":"CreateDraft","version":1,"release_id":"k"}',
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"x2"),
                ("ce_source", b"/t"),
                ("ce_type", b"pressroom.drafting.CreateDraft.v1"),
                ("ce_subject", b"k"),
            ],
        ),
    ],
    ids=["garbage-bytes", "unknown-type", "schema-invalid"],
)
async def test_bad_commands_land_in_the_dlq_with_a_reason_and_later_ones_still_run(
    stack: Stack, garbage: KafkaRecord
) -> None:
    bootstrap, marker = stack.settings.kafka_bootstrap, uuid.uuid4().hex
    poisoned = KafkaRecord(
        garbage.key, garbage.value, [*garbage.headers, ("test_marker", marker.encode())]
    )
    await send_record(bootstrap, DRAFTING_COMMANDS, poisoned)
    later = str(uuid.uuid4())
    assert (
        await send_command(bootstrap, DRAFTING_COMMANDS, create(later))
    ).status is OutcomeStatus.ACCEPTED
    [dead] = await eventually(
        lambda: read_topic(bootstrap, DRAFTING_DLQ, lambda r: r.header("test_marker") == marker),
        what="the dead letter",
    )
    assert dead.value == garbage.value and dead.key == garbage.key
    assert (
        dead.headers[: len(poisoned.headers)] == poisoned.headers
    )  # original headers kept as they were
    assert dead.header(REASON)


async def test_killed_between_commit_and_publish_the_event_is_published_once_after_restart(
    stack: Stack,
) -> None:
    drafting, release_id = stack.processes["drafting"], str(uuid.uuid4())
    drafting.stop()
    crashing = as_crashing(drafting, "relay-off")
    crashing.start()
    envelope = command_envelope(create(release_id))
    await send_record(stack.settings.kafka_bootstrap, DRAFTING_COMMANDS, encode(envelope))
    await eventually(lambda: _committed(stack, envelope.id), timeout=120, what="the commit")
    crashing.kill()
    drafting.start()
    await wait_for_reply(stack.settings.kafka_bootstrap, envelope.id, timeout=120)
    await drafting_answers(stack.settings)  # the relay has caught up past our row
    assert len(await events_of(stack, release_id)) == 1


async def test_killed_after_publish_before_marking_the_restart_does_not_publish_again(
    stack: Stack,
) -> None:
    drafting, release_id = stack.processes["drafting"], str(uuid.uuid4())
    drafting.stop()
    crashing = as_crashing(drafting, "kill-after-publish")
    crashing.start()
    envelope = command_envelope(create(release_id))
    await send_record(stack.settings.kafka_bootstrap, DRAFTING_COMMANDS, encode(envelope))
    await eventually(
        lambda: events_of(stack, release_id), timeout=120, what="the first publication"
    )
    await eventually(lambda: _dead(crashing.pid()), what="the crash point to kill the service")
    drafting.start()
    await drafting_answers(stack.settings)
    assert len(await events_of(stack, release_id)) == 1
    assert await _unpublished(stack) == 0


async def _committed(stack: Stack, command_id: str) -> bool:
    conn = await asyncpg.connect(stack.settings.pg_dsn)
    try:
        return bool(
            await conn.fetchval(
                "SELECT count(*) FROM drafting.processed_commands WHERE command_id = $1", command_id
            )
        )
    finally:
        await conn.close()


async def _unpublished(stack: Stack) -> int:
    conn = await asyncpg.connect(stack.settings.pg_dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM drafting.outbox"
                " WHERE published_at IS NULL AND set_aside_at IS NULL"  # set aside: not pending
            )
        )
    finally:
        await conn.close()


async def _dead(pid: int | None) -> bool:
    return pid is None


async def test_a_burst_of_commands_is_decided_in_order_in_fewer_transactions_than_commands(
    stack: Stack,
) -> None:
    releases = [str(uuid.uuid4()) for _ in range(30)]
    changes = ContentChanges(title="UK and Japan talks, revised")
    commands: list[Message] = [create(release_id) for release_id in releases]
    commands += [
        ReviseDraft(release_id=r, actor=ALICE, expected_version=1, changes=changes)
        for r in releases
    ]
    outcomes = await send_all(stack.settings.kafka_bootstrap, commands, DRAFTING_COMMANDS)
    # Each revision was decided after its release's create, however the batches fell.
    accepted = [(o.status, o.stream_version) for o in outcomes]
    assert accepted == [(OutcomeStatus.ACCEPTED, 1)] * 30 + [(OutcomeStatus.ACCEPTED, 2)] * 30
    conn = await asyncpg.connect(stack.settings.pg_dsn)
    try:
        transactions = await conn.fetchval(
            "SELECT count(DISTINCT xmin::text) FROM drafting.processed_commands"
            " WHERE command_id = ANY($1::text[])",
            [o.command_id for o in outcomes],
        )
    finally:
        await conn.close()
    assert transactions < len(commands)  # outcomes written in one transaction share its xmin
