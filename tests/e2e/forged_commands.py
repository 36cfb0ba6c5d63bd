"""The Kafka rows of the authorisation matrix: commands produced straight to a commands topic, as
someone who reaches the broker would send them — unsigned, signed with an unknown key, forged under
a known key's name, signed by a key outside its scope, tampered with, or carrying another
command's signature — each with the refusal expected (docs/security.md, "Signed commands")."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dev_tools.stack.keys import BOT, DEV_TOOLS, KeySpec, private_key_file
from events.actor import Actor
from events.approval import ApprovalCommand, ApproveStage, ForceApprove
from events.kafka import KafkaRecord, encode
from events.replies import CommandOutcome, OutcomeStatus
from events.signing import KEY_ID_HEADER, SIGNATURE_HEADER, CommandSigner
from events.topics import APPROVAL_COMMANDS, APPROVAL_DLQ
from services.kit.command_auth import OUT_OF_SCOPE, UNAUTHENTICATED
from services.kit.command_keys import load_signer
from services.kit.dlq import REASON
from services.kit.settings import Settings
from tests.support import command_envelope, eventually, read_topic, send_record, wait_for_reply

DAVE = Actor(id="dave", roles=["managing-editor"], organisation="fco")
BOT_ACTOR = Actor(id="compliance-bot", roles=["approver:compliance"], organisation="fco")
Forge = Callable[[Settings, ApprovalCommand], KafkaRecord]


@dataclass(frozen=True)
class Reviewed:
    """What an approver of the lead release saw: forged approvals name it, to be decidable."""

    release_id: str
    revision: int
    content_hash: str


@dataclass(frozen=True)
class KafkaRow:
    what: str
    command: Callable[[Reviewed], ApprovalCommand]
    forge: Forge
    problem_type: str
    reason: str  # in the refusal's detail and the dead letter's reason


def force_approve_as_dave(release: Reviewed) -> ApprovalCommand:
    return ForceApprove(release_id=release.release_id, actor=DAVE, reason="Forged on the bus.")


def approve_as(actor: Actor) -> Callable[[Reviewed], ApprovalCommand]:
    def command(release: Reviewed) -> ApprovalCommand:
        return ApproveStage(
            release_id=release.release_id, actor=actor, stage="policy",
            revision=release.revision, content_hash=release.content_hash,
        )  # fmt: skip

    return command


def record_of(command: ApprovalCommand, command_id: str | None = None) -> KafkaRecord:
    return encode(command_envelope(command, actor=command.actor.id, command_id=command_id))


def signer_of(settings: Settings, spec: KeySpec) -> CommandSigner:
    """One of the test stack's keys (dev_tools/stack/keys.py, made at test time)."""
    return load_signer(private_key_file(settings, spec.key_id), spec.key_id)


def unsigned(settings: Settings, command: ApprovalCommand) -> KafkaRecord:
    return record_of(command)


def signed_with(make_signer: Callable[[Settings], CommandSigner]) -> Forge:
    def forge(settings: Settings, command: ApprovalCommand) -> KafkaRecord:
        return make_signer(settings).sign(record_of(command))

    return forge


def stack_key(spec: KeySpec) -> Callable[[Settings], CommandSigner]:
    return lambda settings: signer_of(settings, spec)


def new_key(key_id: str) -> Callable[[Settings], CommandSigner]:
    return lambda _: CommandSigner(key_id, Ed25519PrivateKey.generate())


def tampered(settings: Settings, command: ApprovalCommand) -> KafkaRecord:
    """Signed by a key that may send it, then its body changed on the way."""
    sent = signer_of(settings, DEV_TOOLS).sign(record_of(command))
    assert sent.value is not None and b"Forged" in sent.value
    return KafkaRecord(sent.key, sent.value.replace(b"Forged", b"Agreed"), sent.headers)


def replayed_from_another_release(settings: Settings, command: ApprovalCommand) -> KafkaRecord:
    """A valid signature, seen on the same command for another release, put on this one."""
    command_id = str(uuid.uuid4())
    elsewhere = command.model_copy(update={"release_id": str(uuid.uuid4())})
    seen = signer_of(settings, DEV_TOOLS).sign(record_of(elsewhere, command_id))
    target = record_of(command, command_id)
    signature = [(k, v) for k, v in seen.headers if k in (KEY_ID_HEADER, SIGNATURE_HEADER)]
    return KafkaRecord(target.key, target.value, [*target.headers, *signature])


KAFKA_MATRIX: list[KafkaRow] = [
    KafkaRow("unsigned", force_approve_as_dave, unsigned, UNAUTHENTICATED, "is not signed"),
    KafkaRow(
        "signed with an unknown key", force_approve_as_dave, signed_with(new_key("mallory")),
        UNAUTHENTICATED, "unknown signing key 'mallory'",
    ),
    KafkaRow(
        "forged under a known key's name", force_approve_as_dave,
        signed_with(new_key(DEV_TOOLS.key_id)), UNAUTHENTICATED, "signature does not match",
    ),
    KafkaRow(
        "a bot's key, a command type outside its scope", force_approve_as_dave,
        signed_with(stack_key(BOT)), OUT_OF_SCOPE, "may not send pressroom.approval.ForceApprove",
    ),
    KafkaRow(
        "a bot's key acting as a person", approve_as(DAVE), signed_with(stack_key(BOT)),
        OUT_OF_SCOPE, "may not act as 'dave'",
    ),
    KafkaRow(
        "a bot's key claiming a role outside its scope",
        approve_as(BOT_ACTOR.model_copy(update={"roles": ["managing-editor"]})),
        signed_with(stack_key(BOT)), OUT_OF_SCOPE, "may not claim the roles",
    ),
    KafkaRow(
        "a tampered body", force_approve_as_dave, tampered, UNAUTHENTICATED,
        "signature does not match",
    ),
    KafkaRow(
        "a signature replayed from another release", force_approve_as_dave,
        replayed_from_another_release, UNAUTHENTICATED, "signature does not match",
    ),
]  # fmt: skip


async def answer_to(settings: Settings, record: KafkaRecord) -> tuple[CommandOutcome, str | None]:
    """Produces the record to approval's commands topic as it is: the reply, and the reason of
    its dead letter when it was refused (None when it was not)."""
    bootstrap, command_id = settings.kafka_bootstrap, record.header("ce_id") or ""
    await send_record(bootstrap, APPROVAL_COMMANDS, record, sign=False)
    outcome = await wait_for_reply(bootstrap, command_id)
    if outcome.status is not OutcomeStatus.FORBIDDEN:
        return outcome, None

    def same_id(dead: KafkaRecord) -> bool:
        return dead.header("ce_id") == command_id

    what = f"the dead letter of {command_id}"
    [dead] = await eventually(lambda: read_topic(bootstrap, APPROVAL_DLQ, same_id), what=what)
    return outcome, dead.header(REASON)


def unexpected(row: KafkaRow, outcome: CommandOutcome, dead_reason: str | None) -> str | None:
    """What differs from the row's expectation, or None."""
    problem = outcome.problem
    if (
        outcome.status is OutcomeStatus.FORBIDDEN
        and problem is not None
        and problem.type == row.problem_type
        and row.reason in (problem.detail or "")
        and dead_reason == problem.detail
    ):
        return None
    detail = problem.model_dump() if problem else None
    return f"{row.what}: {outcome.status.value} {detail}, dead letter: {dead_reason!r}"
