"""The Kafka-driven lifecycle's answers: each reply reaches the step that sent its command, other
records are passed over undecoded, and a reader that stops fails every step waiting, at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError

from dev_tools.bench.drafting import BenchFailed
from dev_tools.bench.lifecycle_answers import Answers
from events.kafka import encode
from events.replies import CommandOutcome, OutcomeStatus
from events.topics import REPLIES
from services.kit.outcomes import reply_envelope

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def reply(command_id: str) -> SimpleNamespace:
    """A record as aiokafka hands it over, holding what a service's relay publishes."""
    outcome = CommandOutcome(
        command_id=command_id, command_type="pressroom.drafting.CreateDraft.v1", release_id="r1",
        status=OutcomeStatus.ACCEPTED, stream_version=1,
    )  # fmt: skip
    record = encode(reply_envelope(outcome, "drafting", NOW, command_id, "bench-writer"))
    return SimpleNamespace(key=record.key, value=record.value, headers=record.headers)


class PollsThenBreaks:
    """Hands over the polls given, then fails as a consumer does when the broker is gone."""

    def __init__(self, *polls: list[Any]) -> None:
        self.polls = list(polls)

    async def getmany(self, timeout_ms: int) -> dict[TopicPartition, list[Any]]:
        await asyncio.sleep(0)
        if not self.polls:
            raise KafkaConnectionError("broker gone")
        return {TopicPartition(REPLIES, 0): self.polls.pop(0)}


async def test_a_reply_reaches_the_step_that_awaits_it_and_no_other_record_is_kept() -> None:
    answers = Answers()
    mine = answers.outcome_of("c-1")
    garbage = SimpleNamespace(key=b"c-1", value=b"not json", headers=[])
    unawaited = reply("c-2")
    reader = PollsThenBreaks([garbage, unawaited, reply("c-1")])
    await answers._read(reader)
    assert (await mine).command_id == "c-1" and (await mine).status is OutcomeStatus.ACCEPTED
    assert set(answers.outcomes) == {"c-1"}  # c-2 was never awaited: not decoded, not kept


async def test_a_reader_that_stops_fails_every_step_waiting_and_every_later_one() -> None:
    answers = Answers()
    waiting, request = answers.outcome_of("c-1"), answers.request_for("r-1")
    await answers._read(PollsThenBreaks())  # ends: the failure is the steps' to report
    for future in (waiting, request, answers.outcome_of("c-2")):
        with pytest.raises(BenchFailed, match="broker gone"):
            await future
