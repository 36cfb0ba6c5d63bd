"""Who may put a command on a service's topic: its signature is checked against the command
keys, and what it claims (type, actor, roles, organisation) against the key's scope, before it is
decoded or decided. Commands a service makes itself (policies, deadlines) never cross Kafka: they
reach the handler in-process, where no outsider can put one (docs/security.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from events.actor import Actor
from events.base import Message
from events.kafka import KafkaRecord, encode
from events.registry import TypeName, UnknownType
from events.replies import CommandOutcome, OutcomeStatus, Problem
from events.signing import BadSignature, CommandSigner, claimed_key_id, claimed_key_id_of
from events.topics import REPLIES, dlq_topic
from services.kit import outcomes
from services.kit.command_keys import KeyRing, KeyScope, KeysFileError, load_key_ring, load_signer
from services.kit.dlq import RecordOrigin, dead_letter
from services.kit.eventstore import OutboxRow
from services.kit.record_checks import answerable_id
from services.kit.settings import Settings
from services.kit.signature_check import check_signature_of

log = structlog.get_logger()
# Both refusals are `forbidden` outcomes (a new status value would break the published
# CommandOutcome.v1 for its readers: the compatibility gate, docs/contract.md); the problem type
# says which.
UNAUTHENTICATED = "urn:pressroom:problem:unauthenticated-command"
OUT_OF_SCOPE = "urn:pressroom:problem:command-out-of-scope"


@dataclass(frozen=True)
class Refusal:
    """Why a command is not taken: unauthenticated (no or a bad signature) or forbidden."""

    status: OutcomeStatus
    reason: str
    problem_type: str

    def outcome(self, command_id: str, record: KafkaRecord) -> CommandOutcome:
        return CommandOutcome(
            command_id=command_id,
            command_type=record.header("ce_type") or "unknown",
            release_id=record.header("ce_subject"),
            status=self.status,
            problem=Problem(
                type=self.problem_type,
                title="The command was refused; it is in the dead-letter queue",
                detail=self.reason,
            ),
        )


def unauthenticated(reason: str) -> Refusal:
    return Refusal(OutcomeStatus.FORBIDDEN, reason, UNAUTHENTICATED)


def forbidden(reason: str) -> Refusal:
    return Refusal(OutcomeStatus.FORBIDDEN, reason, OUT_OF_SCOPE)


class CommandVerifier(Protocol):
    """Port: `check` before decoding (signature, type, ce_actor), `check_actor` after it."""

    def check(self, record: KafkaRecord) -> Refusal | None: ...
    def check_actor(self, record: KafkaRecord, command: Message) -> Refusal | None: ...


class SignedCommands:
    """Takes a command only if a known key signed it and the key may send it as its actor."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    def check(self, record: KafkaRecord) -> Refusal | None:
        texts = record.header_texts()  # read once: the check asks for nine of them
        try:
            key_id = claimed_key_id_of(texts)
        except BadSignature as error:
            return unauthenticated(str(error))
        found = self.ring.key(key_id)
        if found is None:
            return unauthenticated(f"unknown signing key {key_id!r}")
        public_key, scope = found
        try:
            check_signature_of(texts, record.value, public_key)
        except BadSignature as error:
            return unauthenticated(str(error))
        return _outside_envelope_scope(key_id, scope, texts)

    def check_actor(self, record: KafkaRecord, command: Message) -> Refusal | None:
        key_id = claimed_key_id(record)  # `check` passed: it is there
        found = self.ring.key(key_id)
        assert found is not None
        actor = getattr(command, "actor", None)
        if not isinstance(actor, Actor):
            return None  # a command without an actor claims nothing beyond ce_actor
        return _outside_actor_scope(key_id, found[1], actor)


def _outside_envelope_scope(
    key_id: str, scope: KeyScope, texts: Mapping[str, str]
) -> Refusal | None:
    try:
        type_name = TypeName.parse(texts.get("ce_type") or "")
    except UnknownType:
        return None  # no Pressroom command at all: decoding dead-letters it as undecodable
    command_type = f"pressroom.{type_name.service}.{type_name.name}"
    if not scope.allows_command(command_type):
        return forbidden(f"key {key_id!r} may not send {command_type}")
    actor = texts.get("ce_actor") or ""
    if not scope.allows_principal(actor):
        return forbidden(f"key {key_id!r} may not act as {actor!r}")
    return None


def _outside_actor_scope(key_id: str, scope: KeyScope, actor: Actor) -> Refusal | None:
    """The actor the command names (whose roles `decide` trusts) is in the key's scope too."""
    if not scope.allows_principal(actor.id):
        return forbidden(f"key {key_id!r} may not act as {actor.id!r}")
    if not scope.allows_roles(actor.roles):
        return forbidden(f"key {key_id!r} may not claim the roles {actor.roles}")
    if not scope.allows_organisation(actor.organisation):
        return forbidden(f"key {key_id!r} may not act for {actor.organisation!r}")
    return None


class RefuseEveryCommand:
    """What a handler has when nobody configured keys: secure by default."""

    def check(self, record: KafkaRecord) -> Refusal | None:
        return unauthenticated("this service has no command keys configured")

    def check_actor(self, record: KafkaRecord, command: Message) -> Refusal | None:
        return unauthenticated("this service has no command keys configured")


class AcceptUnsignedCommands:
    """PRESSROOM_INSECURE_UNSIGNED_COMMANDS=true: anyone reaching the broker acts as anyone."""

    def check(self, record: KafkaRecord) -> Refusal | None:
        return None

    def check_actor(self, record: KafkaRecord, command: Message) -> Refusal | None:
        return None


def refusal_rows(
    service: str, now: datetime, record: KafkaRecord, origin: RecordOrigin, refusal: Refusal
) -> list[OutboxRow]:
    """The refused record for the DLQ, then the refusal as its reply (when it names a command)."""
    log.warning("command_refused", topic=origin.topic, offset=origin.offset, reason=refusal.reason)
    rows = [(dlq_topic(service), dead_letter(record, origin, refusal.reason, now))]
    command_id = answerable_id(record)
    if command_id:
        actor = record.header("ce_actor") or "unknown"
        outcome = refusal.outcome(command_id, record)
        answer = outcomes.reply_envelope(outcome, service, now, command_id, actor)
        rows.append((REPLIES, encode(answer)))
    return rows


class CommandKeysMissing(RuntimeError):
    """A service would start without a way to tell real commands from forged ones."""


def verifier_from_settings(settings: Settings) -> CommandVerifier:
    """Raises CommandKeysMissing (or KeysFileError) so that the process refuses to start."""
    if settings.command_keys_file is not None:
        return SignedCommands(load_key_ring(settings.command_keys_file))
    if settings.insecure_unsigned_commands:
        log.warning("insecure_unsigned_commands", hint="any client of the broker acts as anyone")
        return AcceptUnsignedCommands()
    raise CommandKeysMissing(
        "No command keys: set PRESSROOM_COMMAND_KEYS_FILE (docs/security.md, 'Signed commands'),"
        " or PRESSROOM_INSECURE_UNSIGNED_COMMANDS=true for a throwaway development stack."
    )


def signer_from_settings(settings: Settings) -> CommandSigner | None:
    """This process's signing key; None only in the insecure mode asked for by name."""
    if settings.command_signing_key is not None:
        return load_signer(settings.command_signing_key, settings.command_signing_key_id)
    if settings.insecure_unsigned_commands:
        return None
    raise CommandKeysMissing(
        "No command signing key: set PRESSROOM_COMMAND_SIGNING_KEY (a PEM Ed25519 private key)"
        " and PRESSROOM_COMMAND_SIGNING_KEY_ID (docs/security.md, 'Signed commands')."
    )


def signed(signer: CommandSigner | None, record: KafkaRecord) -> KafkaRecord:
    """The record as a sender puts it on a commands topic."""
    return record if signer is None else signer.sign(record)


__all__ = ["CommandKeysMissing", "CommandVerifier", "KeysFileError", "Refusal"]
