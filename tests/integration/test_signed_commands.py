"""Commands straight to Kafka, as an attacker who reaches the broker would send them: refused
unless a key of the keys file signed them within its scope (docs/security.md, Signed commands)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import cast

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dev_tools.stack.keys import BOT, DEV_TOOLS, NEXT_DEV_TOOLS, KeySpec, private_key_file
from events.actor import Actor
from events.content import ReleaseContent
from events.drafting import CreateDraft
from events.kafka import KafkaRecord, encode
from events.replies import CommandOutcome, OutcomeStatus
from events.signing import CommandSigner
from events.topics import DRAFTING_COMMANDS, DRAFTING_DLQ, DRAFTING_EVENTS
from services.kit.command_auth import OUT_OF_SCOPE, UNAUTHENTICATED
from services.kit.command_keys import load_signer
from services.kit.dlq import REASON
from services.kit.settings import REPO_ROOT, Settings
from tests.e2e.stack_fixture import Stack
from tests.support import command_envelope, eventually, read_topic, send_record, wait_for_reply

pytestmark = pytest.mark.integration
MALLORY = Actor(id="mallory", roles=["writer"], organisation="fco")


def create_as_mallory(release_id: str) -> CreateDraft:
    content = ReleaseContent(title="Forged", organisations=["fco"])
    return CreateDraft(release_id=release_id, actor=MALLORY, content=content)


async def send_signed(
    settings: Settings, record: KafkaRecord, signer: CommandSigner | None
) -> CommandOutcome:
    """Produces the record as is (signed by `signer`, or not at all) and waits for its reply."""
    sent = record if signer is None else signer.sign(record)
    await send_record(settings.kafka_bootstrap, DRAFTING_COMMANDS, sent, sign=False)
    return await wait_for_reply(settings.kafka_bootstrap, record.header("ce_id") or "")


async def assert_refused_and_dead_lettered(
    settings: Settings, release_id: str, outcome: CommandOutcome, problem_type: str
) -> str:
    """The refusal, its dead letter with the reason, and no event: the reason, for more checks."""
    bootstrap = settings.kafka_bootstrap
    assert outcome.status is OutcomeStatus.FORBIDDEN and outcome.problem is not None
    assert outcome.problem.type == problem_type
    [dead] = await eventually(
        lambda: read_topic(bootstrap, DRAFTING_DLQ, lambda r: r.key == release_id.encode()),
        what="the dead letter",
    )
    assert dead.header(REASON) == outcome.problem.detail
    # A later command of the same stream is decided after the refused one: no event before it.
    later = encode(command_envelope(create_as_mallory(release_id)))
    accepted = await send_signed(settings, later, signer_of(settings, DEV_TOOLS))
    assert accepted.status is OutcomeStatus.ACCEPTED and accepted.stream_version == 1
    return dead.header(REASON) or ""


def signer_of(settings: Settings, spec: KeySpec) -> CommandSigner:
    """One of the test stack's keys (dev_tools/stack/keys.py, made at test time)."""
    return load_signer(private_key_file(settings, spec.key_id), spec.key_id)


FORGER = CommandSigner(DEV_TOOLS.key_id, Ed25519PrivateKey.generate())  # a known key's name


@pytest.mark.parametrize(
    ("signer", "why"), [(FORGER, "signature does not match"), (None, "not signed")]
)
async def test_a_forged_or_unsigned_create_draft_as_mallory_is_refused(
    stack: Stack, signer: CommandSigner | None, why: str
) -> None:
    release_id = str(uuid.uuid4())
    record = encode(command_envelope(create_as_mallory(release_id), actor="mallory"))
    outcome = await send_signed(stack.settings, record, signer)
    reason = await assert_refused_and_dead_lettered(
        stack.settings, release_id, outcome, UNAUTHENTICATED
    )
    assert why in reason


async def test_a_bot_key_is_refused_outside_its_scope(stack: Stack) -> None:
    release_id = str(uuid.uuid4())
    bot = signer_of(stack.settings, BOT)
    bot_actor = Actor(id="compliance-bot", roles=["approver:compliance"], organisation="fco")
    draft = create_as_mallory(release_id).model_copy(update={"actor": bot_actor})
    outcome = await send_signed(
        stack.settings, encode(command_envelope(draft, actor="compliance-bot")), bot
    )
    reason = await assert_refused_and_dead_lettered(
        stack.settings, release_id, outcome, OUT_OF_SCOPE
    )
    assert "may not send pressroom.drafting.CreateDraft" in reason


async def test_while_a_key_is_rotated_the_old_and_the_new_one_are_both_accepted(
    stack: Stack,
) -> None:
    for spec in (DEV_TOOLS, NEXT_DEV_TOOLS):
        record = encode(command_envelope(create_as_mallory(str(uuid.uuid4()))))
        outcome = await send_signed(stack.settings, record, signer_of(stack.settings, spec))
        assert outcome.status is OutcomeStatus.ACCEPTED, (spec.key_id, outcome.problem)
        same_key = cast(Callable[[KafkaRecord], bool], lambda r, k=record.key: r.key == k)
        assert await read_topic(stack.settings.kafka_bootstrap, DRAFTING_EVENTS, same_key)


@pytest.mark.parametrize("module", ["services.drafting", "services.gateway"])
def test_without_command_keys_a_process_refuses_to_start_and_says_what_to_set(
    infra: Settings, module: str
) -> None:
    unset = ("PRESSROOM_COMMAND_KEYS_FILE", "PRESSROOM_COMMAND_SIGNING_KEY")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    done = subprocess.run(
        [sys.executable, "-m", module], cwd=REPO_ROOT, env=env, capture_output=True, timeout=120
    )
    output = (done.stdout + done.stderr).decode()
    assert done.returncode == 2, output
    assert "PRESSROOM_COMMAND_KEYS_FILE" in output or "PRESSROOM_COMMAND_SIGNING_KEY" in output
