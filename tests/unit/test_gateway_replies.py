"""Replies on pressroom.replies find the request waiting for them, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from events.kafka import KafkaRecord, encode
from events.replies import CommandOutcome, OutcomeStatus
from services.gateway.command_bus import KafkaCommandBus
from services.gateway.reply_waiters import ReplyWaiters
from services.kit.outcomes import reply_envelope

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def outcome(command_id: str) -> CommandOutcome:
    return CommandOutcome(
        command_id=command_id,
        command_type="pressroom.drafting.CreateDraft.v1",
        release_id="r1",
        status=OutcomeStatus.ACCEPTED,
        stream_version=1,
    )


def reply_record(command_id: str) -> KafkaRecord:
    """Exactly what a service's outbox relay publishes."""
    return encode(reply_envelope(outcome(command_id), "drafting", NOW, command_id, "alice"))


async def test_every_waiter_of_a_command_gets_its_outcome() -> None:
    waiters = ReplyWaiters()
    first, second = waiters.register("c1"), waiters.register("c1")
    waiters.resolve(outcome("c1"))
    assert (await first).command_id == (await second).command_id == "c1"
    assert "c1" not in waiters


async def test_a_waiter_that_gave_up_is_forgotten() -> None:
    waiters = ReplyWaiters()
    future = waiters.register("c1")
    waiters.discard("c1", future)
    assert "c1" not in waiters
    waiters.resolve(outcome("c1"))  # a late reply changes nothing
    assert not future.done()


async def test_a_reply_record_resolves_its_command() -> None:
    bus = KafkaCommandBus("unused:9092", signer=None)
    future = bus.waiters.register("c1")
    bus.handle_reply(reply_record("c1"))
    assert (await future).status is OutcomeStatus.ACCEPTED


async def test_replies_for_other_commands_and_garbage_are_ignored() -> None:
    bus = KafkaCommandBus("unused:9092", signer=None)
    future = bus.waiters.register("c1")
    bus.handle_reply(reply_record("c2"))
    bus.handle_reply(KafkaRecord(key=b"c1", value=b"not json", headers=[]))
    assert not future.done()
