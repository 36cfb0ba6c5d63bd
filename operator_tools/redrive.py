"""`pressroom dlq redrive`: dead letters sent back where they failed, upcast to the current
version, in log order (so per release in order), each one at most once (ops.redriven)."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from events.catalog import REGISTRY
from events.kafka import KafkaRecord, UndecodableMessage, decode, encode
from events.signing import KEY_ID_HEADER, carry_signature
from operator_tools.dead_letters import KAFKA, DeadLetter
from operator_tools.progress import SILENT, ProgressSink
from operator_tools.redrive_projector import redrive_into_projections
from operator_tools.redriven import (
    FAILED,
    REDRIVEN,
    SKIPPED,
    WOULD,
    RedriveOutcome,
    claim,
    release_claim,
    settle,
)
from services.kit.command_auth import signed, signer_from_settings
from services.kit.db import Connection
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import load_settings


def in_log_order(letters: Sequence[DeadLetter]) -> list[DeadLetter]:
    """Kafka DLQs are keyed by release, so their offsets keep each release's order; the
    projector's rows sort by source offset, which is the release's order too."""
    return sorted(letters, key=lambda x: (x.store, x.topic, x.partition, x.offset))


async def redrive(
    bootstrap: str,
    conn: Connection,
    letters: Sequence[DeadLetter],
    dry_run: bool = False,
    progress: ProgressSink = SILENT,
) -> list[RedriveOutcome]:
    """Every letter in log order; the outcome of each, whatever it was."""
    advance = progress.task("Re-driving" if not dry_run else "Checking", len(letters))
    producer = AIOKafkaProducer(**client_kwargs(bootstrap), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        outcomes = []
        for letter in in_log_order(letters):
            outcomes.append(await _one(producer, conn, letter, dry_run))
            advance(1)
        return outcomes
    finally:
        await producer.stop()


async def _one(
    producer: AIOKafkaProducer, conn: Connection, letter: DeadLetter, dry_run: bool
) -> RedriveOutcome:
    if letter.redriven is not None:
        return RedriveOutcome(letter, SKIPPED, f"already re-driven ({letter.redriven})")
    if letter.store == KAFKA:
        return await _to_source_topic(producer, conn, letter, dry_run)
    return await redrive_into_projections(conn, letter, dry_run)


async def _to_source_topic(
    producer: AIOKafkaProducer, conn: Connection, letter: DeadLetter, dry_run: bool
) -> RedriveOutcome:
    checked = _upcast(letter)
    if isinstance(checked, RedriveOutcome):
        return checked
    topic, record, ce_type = checked
    where = f"to {topic} as {ce_type}"
    if dry_run:
        return RedriveOutcome(letter, WOULD, where)
    if not await claim(conn, letter):
        return RedriveOutcome(letter, SKIPPED, "already re-driven by another run")
    try:
        sent = await producer.send_and_wait(
            topic, record.value, key=record.key, headers=record.headers
        )
    except Exception as error:
        await release_claim(conn, letter)  # not sent: a later run may try again
        return RedriveOutcome(letter, FAILED, f"{where}: {error!r}")
    detail = f"{where} (partition {sent.partition}, offset {sent.offset})"
    await settle(conn, letter, detail)
    return RedriveOutcome(letter, REDRIVEN, detail)


def _upcast(letter: DeadLetter) -> tuple[str, KafkaRecord, str] | RedriveOutcome:
    """(source topic, the record as today's version, its type), or why it cannot go back."""
    try:
        envelope = decode(letter.record, REGISTRY)  # upcasters apply here
    except UndecodableMessage as error:
        return RedriveOutcome(letter, FAILED, f"still undecodable: {error}")
    if letter.source is None:
        return RedriveOutcome(letter, FAILED, "no pressroom_dlq_source_topic header")
    if envelope.subject != getattr(envelope.data, "release_id", envelope.subject):
        # The consumer would dead-letter it again, and a re-drive would go round in a circle.
        return RedriveOutcome(letter, FAILED, "ce_subject differs from data.release_id")
    return letter.source[0], _signed_as_before(letter.record, encode(envelope)), envelope.type


def _signed_as_before(original: KafkaRecord, rewritten: KafkaRecord) -> KafkaRecord:
    """A command keeps its sender's signature when re-driven unchanged; one an upcast changed
    goes back signed by the operator (PRESSROOM_COMMAND_SIGNING_KEY), if that key may."""
    if original.header(KEY_ID_HEADER) is None:
        return rewritten  # an event, or an unsigned command: the service decides
    carried = carry_signature(original, rewritten)
    return (
        carried if carried is not None else signed(signer_from_settings(load_settings()), rewritten)
    )
