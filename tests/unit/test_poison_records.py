"""Poison records (issue 12): what decoding, the topic checks every consumer shares, the
projector's planning and the gateway's reply listener make of malformed Kafka records. Each
used to be acted on, dropped or a crash; each is now a dead letter with its reason."""

from __future__ import annotations

import pytest

from events.catalog import REGISTRY
from events.drafting import DraftCreated, ReviseDraft
from events.kafka import KafkaRecord, UndecodableMessage, decode, encode
from events.publication import EmbargoCancellationNoted
from events.replies import CommandOutcome
from events.schemas.examples import examples
from events.topics import (
    APPROVAL_EVENTS,
    DRAFTING_COMMANDS,
    DRAFTING_EVENTS,
    PUBLICATION_EVENTS,
    REPLIES,
)
from services.gateway.command_bus import KafkaCommandBus
from services.kit.limits import MAX_EVENT_BYTES, record_bytes
from services.kit.record_checks import answerable_id, misplaced
from services.projector.batch import Consumed, DeadLetter, plan_batch, route

EXAMPLES = examples()
CREATED = encode(EXAMPLES[DraftCreated.ce_type()])


def with_headers(record: KafkaRecord, **changes: bytes | None) -> KafkaRecord:
    kept = [(k, v) for k, v in record.headers if k not in changes]
    return KafkaRecord(record.key, record.value, [*kept, *changes.items()])


def consumed(record: KafkaRecord, topic: str = DRAFTING_EVENTS) -> Consumed:
    return Consumed(topic, 0, 7, record.key, record.value, tuple(record.headers))


def test_a_header_without_a_value_is_read_as_absent_not_a_crash() -> None:
    assert with_headers(CREATED, ce_subject=None).header("ce_subject") is None


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (with_headers(CREATED, ce_subject=None), "without a value: ce_subject"),
        (with_headers(CREATED, ce_actor=b"\xff\xfe"), "not UTF-8"),
        (KafkaRecord(CREATED.key, b"[" * 100_000 + b"]" * 100_000, CREATED.headers), ".+"),
    ],
    ids=["null header", "header not UTF-8", "deeply nested JSON"],
)
def test_decoding_refuses_what_it_used_to_read_with_replacement_or_crash_on(
    record: KafkaRecord, reason: str
) -> None:
    with pytest.raises(UndecodableMessage, match=reason):
        decode(record, REGISTRY)


def test_a_message_of_another_topic_a_wrong_key_or_subject_or_a_nul_is_misplaced() -> None:
    envelope = decode(CREATED, REGISTRY)
    assert misplaced(DRAFTING_EVENTS, CREATED, envelope) is None
    assert "does not belong on" in (misplaced(APPROVAL_EVENTS, CREATED, envelope) or "")
    assert "does not belong on" in (misplaced(DRAFTING_COMMANDS, CREATED, envelope) or "")
    wrong_key = KafkaRecord(b"another-release", CREATED.value, CREATED.headers)
    assert "key" in (misplaced(DRAFTING_EVENTS, wrong_key, envelope) or "")
    forged = with_headers(CREATED, ce_subject=b"another-release")
    assert "ce_subject" in (misplaced(DRAFTING_EVENTS, forged, decode(forged, REGISTRY)) or "")
    with_nul = with_headers(CREATED, ce_actor=b"al\x00ice")
    assert "NUL" in (misplaced(DRAFTING_EVENTS, with_nul, decode(with_nul, REGISTRY)) or "")


def test_every_example_belongs_on_its_own_topic() -> None:
    for envelope in EXAMPLES.values():
        data = envelope.data
        topic = REPLIES if data.kind == "reply" else f"pressroom.{data.service}.{data.kind}s"
        record = encode(envelope)
        assert misplaced(topic, record, decode(record, REGISTRY)) is None, envelope.type


def test_a_command_with_a_control_character_in_what_its_answer_repeats_gets_no_answer() -> None:
    command = encode(EXAMPLES[ReviseDraft.ce_type()])
    assert answerable_id(command) == command.header("ce_id")
    assert answerable_id(with_headers(command, ce_id=b"poison\x00id")) is None
    assert answerable_id(with_headers(command, ce_type=b"pressroom.drafting.X\x00.v1")) is None


@pytest.mark.parametrize(
    "record",
    [
        KafkaRecord(b"another-release", CREATED.value, CREATED.headers),
        with_headers(CREATED, ce_subject=None),
        with_headers(CREATED, ce_actor=b"\xff"),
        with_headers(CREATED, ce_actor=b"al\x00ice"),
        KafkaRecord(CREATED.key, b"[" * 100_000 + b"]" * 100_000, CREATED.headers),
        encode(EXAMPLES[CommandOutcome.ce_type()]),  # a reply on an events topic
    ],
    ids=["wrong key", "null header", "not UTF-8", "NUL", "nested", "reply on events"],
)
def test_the_projector_parks_poison_instead_of_folding_it_or_stopping(record: KafkaRecord) -> None:
    routed = route(consumed(record))
    assert isinstance(routed, DeadLetter) and routed.reason
    plan = plan_batch([(consumed(record), routed)], {})
    assert [letter.record.offset for letter in plan.dead_letters] == [7]
    assert not plan.releases and not plan.history


async def test_the_gateway_reply_listener_passes_over_a_malformed_reply() -> None:
    """A reply with a null ce_subject used to raise out of the listener, which then reconnected
    and missed every reply in between."""
    bus = KafkaCommandBus("127.0.0.1:1", signer=None)
    bus.waiters.register("a-command-this-gateway-waits-for")
    reply = encode(EXAMPLES[CommandOutcome.ce_type()])
    bus.read_reply(with_headers(reply, ce_subject=None))  # must not raise
    bus.read_reply(KafkaRecord(b"a-command-this-gateway-waits-for", b"[" * 100_000, []))


def test_a_record_larger_than_any_pressroom_message_is_set_aside_even_when_its_data_reads() -> None:
    """Found by the poison test in CI: an event whose schema needs only `release_id` (e.g.
    EmbargoCancellationNoted) read fine with a megabyte of unknown fields beside it (consumers
    tolerate unknown fields), so it was acted on instead of dead-lettered. No Pressroom producer
    writes a record over MAX_EVENT_BYTES: a larger one is not ours, whatever it holds."""
    noted = EXAMPLES[EmbargoCancellationNoted.ce_type()]
    record = encode(noted)
    padding = b'"padding": "' + b"a" * MAX_EVENT_BYTES + b'", '
    oversized = KafkaRecord(record.key, b"{" + padding + (record.value or b"")[1:], record.headers)
    envelope = decode(oversized, REGISTRY)  # still reads: the padding is an unknown field
    assert misplaced(PUBLICATION_EVENTS, record, decode(record, REGISTRY)) is None
    why = misplaced(PUBLICATION_EVENTS, oversized, envelope) or ""
    assert f"no Pressroom message is larger than {MAX_EVENT_BYTES} bytes" in why


@pytest.mark.parametrize("over", [0, 1])
def test_the_size_limit_counts_header_names_in_utf8_bytes_as_kafka_does(over: int) -> None:
    """The check reads the headers joined (record_checks.py::misplaced_parts); a name of
    non-ASCII characters counts its bytes, exactly as `record_bytes` counts them."""
    noted = EXAMPLES[EmbargoCancellationNoted.ce_type()]
    base = encode(noted)
    name = "x-é" * 10  # 20 characters, 30 bytes
    headers = [*base.headers, (name, b"v")]
    room = MAX_EVENT_BYTES - record_bytes(KafkaRecord(base.key, base.value, headers))
    value = b'{"padding": "' + b"a" * (room - 15 + over) + b'", ' + (base.value or b"")[1:]
    record = KafkaRecord(base.key, value, headers)
    assert record_bytes(record) == MAX_EVENT_BYTES + over
    why = misplaced(PUBLICATION_EVENTS, record, decode(record, REGISTRY))
    assert (why is not None and "larger than" in why) == bool(over)
    # The projector's route reads the same parts, a header without a value among them.
    parked = route(consumed(with_headers(record, x_empty=None), PUBLICATION_EVENTS))
    assert isinstance(parked, DeadLetter) == bool(over)


LONG_ID = "x" * 8_000  # a bot's: answered under it, the reply stopped the projector for good


def _reply(command_id: str, stream_version: int | None = 3) -> KafkaRecord:
    """An example reply, made out to `command_id` throughout (key, subject, data)."""
    example = EXAMPLES[CommandOutcome.ce_type()]
    data = example.data.model_copy(
        update={"command_id": command_id, "stream_version": stream_version}
    )
    return encode(example.model_copy(update={"data": data, "subject": command_id}))


@pytest.mark.parametrize(
    ("record", "topic", "reason"),
    [
        (with_headers(CREATED, ce_id=LONG_ID.encode()), DRAFTING_EVENTS, "ce_id is 8000"),
        (with_headers(CREATED, ce_correlationid=LONG_ID.encode()), DRAFTING_EVENTS, "ce_corr"),
        (with_headers(CREATED, ce_causationid=LONG_ID.encode()), DRAFTING_EVENTS, "ce_causat"),
        (_reply(LONG_ID), REPLIES, "ce_subject is 8000"),
        (_reply("c-1", stream_version=2**31), REPLIES, "stream_version 2147483648 is out of"),
        (
            with_headers(encode(EXAMPLES[ReviseDraft.ce_type()]), ce_id=b"c" * 201),
            DRAFTING_COMMANDS,
            "a command's id is at most 200",
        ),
    ],
    ids=["event id", "correlation id", "causation id", "reply", "reply version", "command id"],
)
def test_an_id_or_version_no_store_can_key_is_misplaced_not_written(
    record: KafkaRecord, topic: str, reason: str
) -> None:
    assert reason in (misplaced(topic, record, decode(record, REGISTRY)) or "")
    routed = route(Consumed(topic, 0, 7, record.key, record.value, tuple(record.headers)))
    assert isinstance(routed, DeadLetter) and reason in routed.reason


def test_a_command_whose_answer_would_repeat_a_long_id_gets_no_answer() -> None:
    command = encode(EXAMPLES[ReviseDraft.ce_type()])
    assert answerable_id(with_headers(command, ce_id=b"c" * 200)) == "c" * 200
    assert answerable_id(with_headers(command, ce_id=b"c" * 201)) is None
    assert answerable_id(with_headers(command, ce_actor=LONG_ID.encode())) is None
