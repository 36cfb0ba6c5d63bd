"""Signed commands, pure: who may put which command on a topic (services/kit/command_auth.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from events.actor import Actor
from events.approval import ApproveStage
from events.base import Message
from events.catalog import REGISTRY
from events.content import ReleaseContent
from events.drafting import CreateDraft
from events.envelope import Envelope
from events.kafka import KafkaRecord, decode, encode
from events.replies import OutcomeStatus
from events.signing import SIGNATURE_HEADER, CommandSigner, carry_signature
from services.kit.command_auth import (
    OUT_OF_SCOPE,
    UNAUTHENTICATED,
    AcceptUnsignedCommands,
    CommandKeysMissing,
    RefuseEveryCommand,
    SignedCommands,
    verifier_from_settings,
)
from services.kit.command_keys import KeyRing, KeyScope, KeysFileError, load_key_ring
from services.kit.settings import Settings
from tests.support import header_bytes

GATEWAY, BOT, OLD, NEW = (CommandSigner(n, Ed25519PrivateKey.generate()) for n in "gbon")
BOT_SCOPE = {
    "principals": ["compliance-bot"],
    "roles": ["approver:compliance"],
    "commands": ["pressroom.approval.ApproveStage", "pressroom.approval.RejectRelease"],
}
EVERYONE = {"principals": ["*"], "roles": ["*"], "commands": ["*"]}
MALLORY = Actor(id="mallory", roles=["writer", "managing-editor"], organisation="fco")
BOT_ACTOR = Actor(id="compliance-bot", roles=["approver:compliance"], organisation="fco")


def public_pem(signer: CommandSigner) -> str:
    public = signer.private_key.public_key()
    return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def ring(*grants: tuple[CommandSigner, dict[str, list[str]]]) -> KeyRing:
    scopes = {s.key_id: KeyScope(public_key=public_pem(s), **scope) for s, scope in grants}
    return KeyRing(scopes)


VERIFIER = SignedCommands(ring((GATEWAY, EVERYONE), (BOT, BOT_SCOPE)))


def record(command: Message, actor: str) -> KafkaRecord:
    envelope = Envelope[Message](
        id=str(uuid.uuid4()), source="/tests", time=datetime.now(UTC), subject="r-1",
        data=command, correlation_id="c", actor=actor,
    )  # fmt: skip
    return encode(envelope)


def create_draft(actor: Actor = MALLORY) -> CreateDraft:
    return CreateDraft(
        release_id="r-1", actor=actor, content=ReleaseContent(title="Talks", organisations=["fco"])
    )


def approve(actor: Actor) -> ApproveStage:
    return ApproveStage(
        release_id="r-1", actor=actor, stage="compliance", revision=1,
        content_hash="sha256:" + "a" * 64,
    )  # fmt: skip


def verdict(verifier: SignedCommands, signed: KafkaRecord) -> str | None:
    """The refusal's problem type (both kinds are `forbidden` outcomes), or None."""
    refusal = verifier.check(signed)
    if refusal is None:
        refusal = verifier.check_actor(signed, decode(signed, REGISTRY).data)
    if refusal is not None:
        assert refusal.status is OutcomeStatus.FORBIDDEN
    return None if refusal is None else refusal.problem_type


def test_accepts_a_command_the_gateway_signed() -> None:
    assert verdict(VERIFIER, GATEWAY.sign(record(create_draft(), "mallory"))) is None


def test_refuses_an_unsigned_command_as_unauthenticated() -> None:
    refusal = VERIFIER.check(record(create_draft(), "mallory"))
    assert refusal is not None and refusal.problem_type == UNAUTHENTICATED
    assert "not signed" in refusal.reason


def test_refuses_a_command_signed_by_a_key_nobody_listed() -> None:
    forger = CommandSigner("gateway-local", Ed25519PrivateKey.generate())  # a name it borrowed
    assert verdict(VERIFIER, forger.sign(record(create_draft(), "mallory"))) == UNAUTHENTICATED
    stranger = CommandSigner("mallory-key", Ed25519PrivateKey.generate())
    refusal = VERIFIER.check(stranger.sign(record(create_draft(), "mallory")))
    assert refusal is not None and "unknown signing key 'mallory-key'" in refusal.reason


@pytest.mark.parametrize("header", ["ce_actor", "ce_type", "ce_subject", "ce_id", "ce_time"])
def test_refuses_a_signed_command_whose_attributes_were_changed(header: str) -> None:
    signed = GATEWAY.sign(record(create_draft(), "alice"))
    changed = [(k, b"2016-01-08T00:00:00Z" if k == header else v) for k, v in signed.headers]
    refusal = VERIFIER.check(KafkaRecord(signed.key, signed.value, changed))
    assert refusal is not None and refusal.problem_type == UNAUTHENTICATED


def test_refuses_a_signed_command_whose_data_was_changed() -> None:
    signed = GATEWAY.sign(record(create_draft(), "mallory"))
    tampered = signed.value.replace(b"Talks", b"Lies") if signed.value else None
    refusal = VERIFIER.check(KafkaRecord(signed.key, tampered, signed.headers))
    assert refusal is not None and refusal.problem_type == UNAUTHENTICATED


def test_a_bot_key_signs_only_its_own_command_types() -> None:
    assert verdict(VERIFIER, BOT.sign(record(approve(BOT_ACTOR), "compliance-bot"))) is None
    refusal = VERIFIER.check(BOT.sign(record(create_draft(BOT_ACTOR), "compliance-bot")))
    assert refusal is not None and refusal.problem_type == OUT_OF_SCOPE
    assert "may not send pressroom.drafting.CreateDraft" in refusal.reason


def test_a_bot_key_acts_only_as_its_own_principals() -> None:
    as_mallory = BOT.sign(record(approve(MALLORY), "mallory"))
    assert verdict(VERIFIER, as_mallory) == OUT_OF_SCOPE
    # Saying compliance-bot in the header while the command names mallory does not help.
    disguised = BOT.sign(record(approve(MALLORY), "compliance-bot"))
    assert verdict(VERIFIER, disguised) == OUT_OF_SCOPE


def test_a_bot_key_claims_only_its_own_roles() -> None:
    promoted = BOT_ACTOR.model_copy(update={"roles": ["approver:compliance", "managing-editor"]})
    assert verdict(VERIFIER, BOT.sign(record(approve(promoted), "compliance-bot"))) == OUT_OF_SCOPE


def test_during_a_rotation_the_old_and_the_new_key_are_both_accepted() -> None:
    overlap = SignedCommands(ring((OLD, EVERYONE), (NEW, EVERYONE)))
    for signer in (OLD, NEW):
        assert verdict(overlap, signer.sign(record(create_draft(), "mallory"))) is None
    after = SignedCommands(ring((NEW, EVERYONE)))
    assert verdict(after, OLD.sign(record(create_draft(), "mallory"))) == UNAUTHENTICATED


def test_a_signed_command_is_still_a_cloudevent_any_sdk_reads() -> None:
    signed = GATEWAY.sign(record(create_draft(), "mallory"))
    event = from_binary_event(
        KafkaMessage(headers=header_bytes(signed), key=signed.key, value=cast(bytes, signed.value))
    )
    assert event.get_extension("signingkeyid") == "g"
    assert event.get_extension("signature") == header_bytes(signed)[SIGNATURE_HEADER].decode()


def test_without_keys_a_service_refuses_to_start_and_a_handler_refuses_everything() -> None:
    with pytest.raises(CommandKeysMissing, match="PRESSROOM_COMMAND_KEYS_FILE"):
        verifier_from_settings(Settings(command_keys_file=None, insecure_unsigned_commands=False))
    refusal = RefuseEveryCommand().check(GATEWAY.sign(record(create_draft(), "alice")))
    assert refusal is not None and refusal.problem_type == UNAUTHENTICATED
    insecure = verifier_from_settings(
        Settings(command_keys_file=None, insecure_unsigned_commands=True)
    )
    assert isinstance(insecure, AcceptUnsignedCommands)


def test_a_keys_file_with_a_bad_key_is_refused_naming_the_key(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.yaml"
    keys_file.write_text("keys:\n  k1:\n    public_key: nope\n    principals: ['*']\n"
                         "    commands: ['*']\n")  # fmt: skip
    with pytest.raises(KeysFileError, match="'k1'"):
        load_key_ring(keys_file)


def test_a_redriven_command_keeps_its_signature_only_if_unchanged() -> None:
    signed = GATEWAY.sign(record(create_draft(), "alice"))
    redriven = encode(decode(signed, REGISTRY))  # what `pressroom dlq redrive` sends back
    carried = carry_signature(signed, redriven)
    assert carried is not None and verdict(VERIFIER, carried) is None
    changed = KafkaRecord(redriven.key, (redriven.value or b"") + b" ", redriven.headers)
    assert carry_signature(signed, changed) is None
    assert carry_signature(record(create_draft(), "alice"), redriven) is None  # unsigned
