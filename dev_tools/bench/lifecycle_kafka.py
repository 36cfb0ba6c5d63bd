"""Whole releases driven over Kafka, as tools and approval bots drive them (docs/contract.md): the
same steps as the HTTP lifecycle (lifecycle.py) — a writer creates, revises and submits, the policy
and legal approvers approve the revision their request names, a press officer embargoes it one
second ahead, and it goes public by itself at the lift — each a signed command on its service's
commands topic, each followed to its reply on pressroom.replies. Timed from the first create
until the last release is in projections.public_feed; `concurrency` releases in flight from
create to embargo set, the lift waited for outside that limit.

Why beside the HTTP one (docs/decisions.md 53): over HTTP each step is also a request, its
polling for the outcome and the bench's own HTTP client on the same two CPUs, and the 50 releases
in flight leave every service batches of a record or two; this one measures what the services
cost a release when tools keep hundreds in flight, as a bot-driven newsroom would."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from rich.progress import Progress

from dev_tools.bench import raw
from dev_tools.bench.drafting import BenchFailed, content
from dev_tools.bench.http_steps import POLL_S, STEP_TIMEOUT_S
from dev_tools.bench.lifecycle import (
    EMBARGO_AHEAD_S,
    NOT_APPROVED_YET,
    TOO_LATE,
    LifecycleResult,
    releases_to_public,
)
from dev_tools.bench.lifecycle_answers import Answers
from events.actor import Actor
from events.approval import ApproveStage
from events.base import Command, Message
from events.content import ContentChanges
from events.drafting import CreateDraft, ReviseDraft, SubmitDraft
from events.embargo import SetEmbargo
from events.envelope import Envelope, source_of
from events.kafka import encode
from events.replies import CommandOutcome, OutcomeStatus
from events.signing import CommandSigner
from events.topics import commands_topic
from services.kit.command_auth import signed, signer_from_settings
from services.kit.ids import new_id
from services.kit.settings import Settings

# The demo organisation, whose approval policy is policy then legal
# (services/approval/policies.yaml), with people of the bench's own so its releases are told
# apart from the demo users' in the logs.
ORGANISATION = "fco"
WRITER = Actor(id="bench-writer", roles=["writer"], organisation=ORGANISATION)
APPROVERS = (
    (Actor(id="bench-policy", roles=["approver:policy"], organisation=ORGANISATION), "policy"),
    (Actor(id="bench-legal", roles=["approver:legal"], organisation=ORGANISATION), "legal"),
)
PRESS_OFFICER = Actor(id="bench-press-office", roles=["press-officer"], organisation=ORGANISATION)


@dataclass
class KafkaSteps:
    """Sends a step's signed command and waits for its reply."""

    producer: AIOKafkaProducer
    signer: CommandSigner | None
    answers: Answers

    async def ask(self, command: Command) -> CommandOutcome:
        command_id = new_id()
        envelope = Envelope[Message](
            id=command_id, source=source_of("bench"), time=datetime.now(UTC),
            subject=command.release_id, data=command, correlation_id=command_id,
            actor=command.model_dump(include={"actor"})["actor"]["id"],
        )  # fmt: skip
        record = signed(self.signer, encode(envelope))
        reply = self.answers.outcome_of(command_id)
        topic = commands_topic(command.service)
        try:
            await self.producer.send_and_wait(
                topic, record.value, key=record.key, headers=record.headers
            )
        except KafkaError as error:  # this release fails, the rest of the run goes on
            raise BenchFailed(f"sending to {topic} failed: {error!r}") from error
        async with asyncio.timeout(STEP_TIMEOUT_S):
            return await reply

    async def accepted(self, command: Command) -> CommandOutcome:
        outcome = await self.ask(command)
        if outcome.status is not OutcomeStatus.ACCEPTED:
            raise BenchFailed(
                f"{outcome.command_type} answered {outcome.status}: {outcome.problem}"
            )
        return outcome

    async def one_release(self, i: int, ahead_s: float) -> str:
        """Create, revise, submit, two approvals, embargo: it then publishes at its lift."""
        release_id = new_id()
        base = content(i, ORGANISATION)
        draft = base.model_copy(update={"title": f"{base.title} {uuid.uuid4().hex[:8]}"})
        request = self.answers.request_for(release_id)
        created = await self.accepted(
            CreateDraft(release_id=release_id, actor=WRITER, content=draft)
        )
        revised = await self.accepted(ReviseDraft(
            release_id=release_id, actor=WRITER, expected_version=created.stream_version or 0,
            changes=ContentChanges(topics=["Benchmark"]),
        ))  # fmt: skip
        await self.accepted(SubmitDraft(
            release_id=release_id, actor=WRITER, expected_version=revised.stream_version
        ))  # fmt: skip
        async with asyncio.timeout(STEP_TIMEOUT_S):
            asked = await request
        for approver, stage in APPROVERS:
            await self.accepted(ApproveStage(
                release_id=release_id, actor=approver, stage=stage, revision=asked.revision,
                content_hash=asked.content_hash,
            ))  # fmt: skip
        await self.embargo_ahead(release_id, ahead_s)
        return release_id

    async def embargo_ahead(self, release_id: str, ahead_s: float) -> None:
        """Refused as not approved until embargo has heard the approval: asked again."""
        while True:
            lift_at = datetime.now(UTC) + timedelta(seconds=ahead_s)
            outcome = await self.ask(
                SetEmbargo(release_id=release_id, actor=PRESS_OFFICER, lift_at=lift_at)
            )
            if outcome.status is OutcomeStatus.ACCEPTED:
                return
            problem = outcome.problem.type if outcome.problem else ""
            if problem == TOO_LATE:
                raise BenchFailed(
                    f"the SetEmbargo took over {ahead_s:g} s to reach embargo ({outcome.problem}):"
                    " on a slow machine give it more time with --embargo-ahead"
                )
            if problem != NOT_APPROVED_YET:
                raise BenchFailed(f"SetEmbargo answered {outcome.status}: {outcome.problem}")
            await asyncio.sleep(POLL_S)


async def lifecycles_over_kafka(
    settings: Settings, conn: asyncpg.Connection, n: int, concurrency: int, progress: Progress,
    ahead_s: float = EMBARGO_AHEAD_S,
) -> LifecycleResult:  # fmt: skip
    """n releases, `concurrency` at a time, until every one is in the public feed."""
    producer = raw.kafka_producer(settings.kafka_bootstrap)
    await producer.start()
    try:
        async with Answers.running(settings.kafka_bootstrap) as answers:
            steps = KafkaSteps(producer, signer_from_settings(settings), answers)
            return await releases_to_public(
                conn, n, concurrency, progress, "Lifecycles over Kafka → public feed",
                lambda i: steps.one_release(i, ahead_s),
            )  # fmt: skip
    finally:
        await producer.stop()
