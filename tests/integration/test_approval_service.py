"""The approval service as a real process on real Kafka and PostgreSQL, driven through Kafka only:
requests, four eyes, invalidation, rejection, poison commands, overdue stages, the example bot."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, TopicPartition

from dev_tools.infra.processes import tail
from dev_tools.stack.keys import BOT, private_key_file
from events.actor import Actor
from events.approval import ApprovalRequested, ApproveStage, RejectRelease
from events.catalog import REGISTRY
from events.content import ContentChanges, ReleaseContent
from events.drafting import CreateDraft, ReviseDraft, SubmitDraft
from events.kafka import KafkaRecord, decode, encode
from events.replies import OutcomeStatus
from events.topics import (
    APPROVAL_COMMANDS,
    APPROVAL_DLQ,
    APPROVAL_EVENTS,
    DRAFTING_COMMANDS,
    DRAFTING_EVENTS,
    REPLIES,
)
from services.kit.dlq import REASON
from services.kit.settings import REPO_ROOT, Settings
from tests.e2e.stack_fixture import Stack
from tests.integration.embargo_support import read_records
from tests.support import command_envelope, eventually, read_topic, send_command, send_record

pytestmark = pytest.mark.integration
ALICE = Actor(id="alice", roles=["writer", "approver:policy"], organisation="fco")
ERIN = Actor(id="erin", roles=["approver:policy"], organisation="fco")
FRANK = Actor(id="frank", roles=["approver:legal"], organisation="fco")
POLICIES = """
version: 7
default: {stages: [{name: policy, roles: ["approver:policy"]}]}
organisations:
  fco:
    mode: ordered
    stages:
      - {name: policy, roles: ["approver:policy"], deadline: PT8H}
      - {name: legal, roles: ["approver:legal"]}
  slowco: {stages: [{name: policy, roles: ["approver:policy"], deadline: PT2S}]}
  botco: {stages: [{name: compliance, roles: ["approver:compliance"]}]}
"""
NO_HASH = "sha256:" + "0" * 64


@pytest_asyncio.fixture(scope="module")
async def bootstrap(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The approval process restarted on this module's policy file; restored afterwards."""
    policy_file = tmp_path_factory.mktemp("approval") / "policies.yaml"
    policy_file.write_text(POLICIES)
    approval = stack.processes["approval"]
    approval.stop()
    approval.start(extra_env={"PRESSROOM_APPROVAL_POLICIES": str(policy_file)})
    await approval_answers(stack.settings.kafka_bootstrap)
    yield stack.settings.kafka_bootstrap
    approval.stop()
    approval.start()


async def approval_answers(bootstrap: str) -> None:
    probe = ApproveStage(
        release_id=f"probe-{uuid.uuid4()}",
        actor=ERIN,
        stage="policy",
        revision=1,
        content_hash=NO_HASH,
    )
    outcome = await send_command(bootstrap, APPROVAL_COMMANDS, probe, timeout=120)
    assert outcome.status is OutcomeStatus.NOT_FOUND


async def submitted(bootstrap: str, writer: Actor = ALICE, body: str = "Talks.") -> str:
    """A new release, created and submitted by `writer`: its id."""
    release_id, organisation = str(uuid.uuid4()), str(writer.organisation)
    content = ReleaseContent(title="UK and Japan", body=body, organisations=[organisation])
    for command in (
        CreateDraft(release_id=release_id, actor=writer, content=content),
        SubmitDraft(release_id=release_id, actor=writer),
    ):
        assert (await send_command(bootstrap, DRAFTING_COMMANDS, command)).status == "accepted"
    return release_id


async def events(bootstrap: str, topic: str, release_id: str, kind: str, count: int = 1) -> Any:
    """The release's events of one type on `topic`, once there are `count` of them."""

    async def probe() -> list[Any] | None:
        records = await read_topic(bootstrap, topic, lambda r: r.key == release_id.encode())
        found = [e.data for e in (decode(r, REGISTRY) for r in records) if e.data.type == kind]
        return found if len(found) >= count else None

    return await eventually(probe, what=f"{count} {kind} of {release_id}")


async def request_of(bootstrap: str, release_id: str, count: int = 1) -> ApprovalRequested:
    requests = await events(bootstrap, APPROVAL_EVENTS, release_id, "ApprovalRequested", count)
    return requests[-1]  # type: ignore[no-any-return]


async def approve(bootstrap: str, actor: Actor, request: ApprovalRequested, **change: Any) -> Any:
    command = ApproveStage(
        release_id=request.release_id,
        actor=actor,
        revision=request.revision,
        content_hash=request.content_hash,
        stage=change.pop("stage", "policy"),
    )
    return await send_command(bootstrap, APPROVAL_COMMANDS, command.model_copy(update=change))


async def test_a_submitted_draft_gets_a_request_with_its_organisations_stages(
    bootstrap: str,
) -> None:
    request = await request_of(bootstrap, await submitted(bootstrap))
    assert [stage.name for stage in request.stages] == ["policy", "legal"]
    assert request.policy == "fco@7" and request.revision == 1 and request.submitted_by == "alice"
    assert request.stages[0].deadline_at is not None and request.stages[1].deadline_at is None


async def test_two_approvers_sign_both_stages_and_the_submitted_hash_is_approved(
    bootstrap: str,
) -> None:
    release_id = await submitted(bootstrap)
    [draft] = await events(bootstrap, DRAFTING_EVENTS, release_id, "DraftSubmitted")
    request = await request_of(bootstrap, release_id)
    assert (await approve(bootstrap, ERIN, request)).status is OutcomeStatus.ACCEPTED
    assert (await approve(bootstrap, FRANK, request, stage="legal")).status == "accepted"
    [approved] = await events(bootstrap, APPROVAL_EVENTS, release_id, "ReleaseApproved")
    assert approved.content_hash == draft.content_hash and approved.approvers == ["erin", "frank"]


async def test_the_author_may_not_approve_their_own_revision(bootstrap: str) -> None:
    request = await request_of(bootstrap, await submitted(bootstrap))
    outcome = await approve(bootstrap, ALICE, request)
    assert outcome.status is OutcomeStatus.FORBIDDEN and "four-eyes" in outcome.problem.type


async def test_a_revision_invalidates_the_approval_and_binds_it_to_the_new_hash(
    bootstrap: str,
) -> None:
    release_id = await submitted(bootstrap)
    first = await request_of(bootstrap, release_id)
    revise = ReviseDraft(
        release_id=release_id,
        actor=ALICE,
        expected_version=2,
        changes=ContentChanges(title="UK and Japan agree"),
    )
    assert (await send_command(bootstrap, DRAFTING_COMMANDS, revise)).status == "accepted"
    await events(bootstrap, APPROVAL_EVENTS, release_id, "ApprovalInvalidated")
    assert (await approve(bootstrap, ERIN, first)).status is OutcomeStatus.CONFLICT
    resubmit = SubmitDraft(release_id=release_id, actor=ALICE, expected_version=3)
    assert (await send_command(bootstrap, DRAFTING_COMMANDS, resubmit)).status == "accepted"
    second = await request_of(bootstrap, release_id, count=2)
    assert second.revision == 2 and second.content_hash != first.content_hash
    stale = await approve(bootstrap, ERIN, second, content_hash=first.content_hash)
    assert stale.status is OutcomeStatus.CONFLICT
    assert (await approve(bootstrap, ERIN, second)).status is OutcomeStatus.ACCEPTED


async def test_a_rejection_sends_the_draft_back_to_drafting(bootstrap: str) -> None:
    request = await request_of(bootstrap, await submitted(bootstrap))
    reject = RejectRelease(
        release_id=request.release_id,
        actor=ERIN,
        stage="policy",
        reason="Needs the minister's sign-off.",
        revision=1,
    )
    assert (await send_command(bootstrap, APPROVAL_COMMANDS, reject)).status == "accepted"
    await events(bootstrap, APPROVAL_EVENTS, request.release_id, "ReleaseRejected")
    [reopened] = await events(bootstrap, DRAFTING_EVENTS, request.release_id, "DraftReopened")
    assert (reopened.stage, reopened.rejected_by) == ("policy", "erin")
    assert reopened.reason == "Needs the minister's sign-off."


async def test_poison_commands_get_a_clear_answer_and_the_service_goes_on(bootstrap: str) -> None:
    request = await request_of(bootstrap, await submitted(bootstrap))
    unknown_stage = await approve(bootstrap, ERIN, request, stage="nonexistent")
    assert (
        unknown_stage.status is OutcomeStatus.INVALID
        and "policy, legal" in unknown_stage.problem.detail
    )
    nobody = ApproveStage(
        release_id=str(uuid.uuid4()), actor=ERIN, stage="policy", revision=1, content_hash=NO_HASH
    )
    assert (await send_command(bootstrap, APPROVAL_COMMANDS, nobody)).status == "not_found"
    reject = command_envelope(
        RejectRelease(release_id=request.release_id, actor=ERIN, stage="policy", reason="x")
    )
    valid = encode(reject)
    no_reason = json.dumps(
        {k: v for k, v in json.loads(valid.value or b"").items() if k != "reason"}
    )
    await dead_lettered(
        bootstrap, KafkaRecord(valid.key, no_reason.encode(), valid.headers), "reason"
    )
    garbage = KafkaRecord(
        b"k",
        b"\x00\xffnot json",
        [("ce_specversion", b"1.0"), ("ce_id", b"g1"), ("ce_source", b"/t"), ("ce_type", b"x")],
    )
    await dead_lettered(bootstrap, garbage, "")
    # Kafka allows a header without a value; faust's records once turned it into the text
    # "None", which was then taken as the command's correlation id.
    no_correlation = [(k, None if k == "ce_correlationid" else v) for k, v in valid.headers]
    dead = await dead_lettered(
        bootstrap,
        KafkaRecord(valid.key, valid.value, no_correlation),
        "headers without a value: ce_correlationid",
    )
    # The record as it came: the header there, still without a value.
    assert "ce_correlationid" in dict(dead.headers) and dead.header("ce_correlationid") is None
    assert (await approve(bootstrap, ERIN, request)).status is OutcomeStatus.ACCEPTED


async def dead_lettered(bootstrap: str, record: KafkaRecord, reason_mentions: str) -> KafkaRecord:
    """Sends a poisoned record: its reply says undecodable, and it sits in the DLQ with why."""
    marker, command_id = uuid.uuid4().hex, f"poison-{uuid.uuid4()}"
    headers = [(k, command_id.encode() if k == "ce_id" else v) for k, v in record.headers]
    await send_record(
        bootstrap,
        APPROVAL_COMMANDS,
        KafkaRecord(record.key, record.value, [*headers, ("test_marker", marker.encode())]),
    )
    reply = await eventually(lambda: _reply(bootstrap, command_id), what="the undecodable reply")
    assert reply.status is OutcomeStatus.UNDECODABLE and reason_mentions in reply.problem.detail
    [dead] = await eventually(
        lambda: read_topic(bootstrap, APPROVAL_DLQ, lambda r: r.header("test_marker") == marker),
        what="the dead letter",
    )
    assert dead.value == record.value and reason_mentions in (dead.header(REASON) or "")
    return dead


async def _reply(bootstrap: str, command_id: str) -> Any:
    records = await read_topic(bootstrap, REPLIES, lambda r: r.key == command_id.encode())
    return decode(records[-1], REGISTRY).data if records else None


async def test_a_stage_past_its_deadline_is_marked_overdue_exactly_once(bootstrap: str) -> None:
    slow = Actor(id="sam", roles=["writer"], organisation="slowco")
    request = await request_of(bootstrap, await submitted(bootstrap, writer=slow))
    [overdue] = await events(bootstrap, APPROVAL_EVENTS, request.release_id, "ApprovalOverdue")
    assert (overdue.stage, overdue.deadline_at) == ("policy", request.stages[0].deadline_at)
    # A positive marker: a later command on the release (refused: sam approves nothing), decided
    # and relayed after everything its stream had; no second ApprovalOverdue came before it.
    marker = ApproveStage(
        release_id=request.release_id, actor=slow, stage="policy", revision=request.revision,
        content_hash=request.content_hash,
    )  # fmt: skip
    refused = await send_command(bootstrap, APPROVAL_COMMANDS, marker)
    assert refused.status is not OutcomeStatus.ACCEPTED, refused
    assert len(await events(bootstrap, APPROVAL_EVENTS, request.release_id, "ApprovalOverdue")) == 1


async def test_the_example_bot_approves_clean_releases_and_rejects_banned_words(
    bootstrap: str, tmp_path: Path
) -> None:
    words, group = tmp_path / "words.txt", f"test-bot-{uuid.uuid4().hex[:8]}"
    words.write_text("# banned\nconfidential\nnot for publication\n")
    writer = Actor(id="carol", roles=["writer"], organisation="botco")
    bot = start_bot(bootstrap, words, group, tmp_path / "bot-1.log")
    try:
        clean = await submitted(bootstrap, writer, body="The ministers met in Tokyo.")
        dirty = await submitted(bootstrap, writer, body="Strictly CONFIDENTIAL: do not share.")
        [approved] = await events(bootstrap, APPROVAL_EVENTS, clean, "ReleaseApproved")
        [rejected] = await events(bootstrap, APPROVAL_EVENTS, dirty, "ReleaseRejected")
        assert approved.approvers == ["compliance-bot"] and "'confidential'" in rejected.reason
        await eventually(lambda: _logged(tmp_path / "bot-1.log", clean, dirty), what="its log")
        # It commits right after logging: its group's offsets pass both requests before it stops.
        await eventually(
            lambda: _committed_past(bootstrap, group, clean, dirty), what="the bot's commit"
        )
    finally:
        bot.terminate()
        bot.wait(30)
    later = await submitted(bootstrap, writer, body="A later release.")
    bot = start_bot(bootstrap, words, group, tmp_path / "bot-2.log")  # same group: resumes
    try:
        await events(bootstrap, APPROVAL_EVENTS, later, "ReleaseApproved")
        await eventually(lambda: _logged(tmp_path / "bot-2.log", later), what="the bot's log")
        assert clean not in (tmp_path / "bot-2.log").read_text(), tail(tmp_path / "bot-2.log")
    finally:
        bot.terminate()
        bot.wait(30)


def start_bot(bootstrap: str, words: Path, group: str, log: Path) -> subprocess.Popen[bytes]:
    flags = "--actor compliance-bot --role approver:compliance --stage compliance --organisation"
    args = [
        *flags.split(),
        "botco",
        "--group",
        group,
        "--words",
        str(words),
        "--bootstrap",
        bootstrap,
        "--signing-key",
        str(private_key_file(Settings(), BOT.key_id)),
        "--signing-key-id",
        BOT.key_id,
    ]
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "examples/bots/banned_words_bot.py", *args],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def _committed_past(bootstrap: str, group: str, *release_ids: str) -> bool:
    """The group's committed offsets are past every ApprovalRequested of the releases."""
    records = await read_records(bootstrap, APPROVAL_EVENTS, {r.encode() for r in release_ids})
    requested = [r for r in records if b"ApprovalRequested" in dict(r.headers)["ce_type"]]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        for record in requested:
            committed = await consumer.committed(TopicPartition(record.topic, record.partition))
            if committed is None or committed <= record.offset:
                return False
        return bool(requested)
    finally:
        await consumer.stop()


async def _logged(log: Path, *release_ids: str) -> bool:
    """The bot logged an accepted answer for each of them."""
    lines = (await asyncio.to_thread(log.read_text, errors="replace")).splitlines()
    return all(any(id_ in line and "accepted" in line for line in lines) for id_ in release_ids)
