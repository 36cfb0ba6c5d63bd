"""The Kafka binary codec: any CloudEvents SDK reads what we write; bad input says why."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.v1 import kafka as ce_kafka_v1
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.actor import Actor
from events.base import Message
from events.catalog import REGISTRY
from events.content import ContentChanges, content_hash
from events.drafting import DraftCreated, DraftRevised, DraftRevisedV1, ReviseDraft
from events.envelope import Envelope
from events.kafka import REQUIRED, KafkaRecord, UndecodableMessage, decode, encode
from events.schemas.examples import examples
from tests.support import header_bytes

EXAMPLES = examples()
# Every example whose type is the latest version: those read back unchanged.
LATEST = {
    ce_type: envelope
    for ce_type, envelope in EXAMPLES.items()
    if REGISTRY.latest(envelope.data.service, envelope.data.type_name()) is type(envelope.data)
}


def _record(
    example: str = DraftCreated.ce_type(), /, value: Any = None, **headers: str | None
) -> KafkaRecord:
    """An encoded example, with its value or some headers replaced (None removes a header)."""
    record = encode(EXAMPLES[example])
    kept = {name: raw for name, raw in record.headers if headers.get(name, "") is not None}
    kept |= {name: text.encode() for name, text in headers.items() if text is not None}
    return KafkaRecord(record.key, record.value if value is None else value, list(kept.items()))


def _reason(record: KafkaRecord) -> str:
    with pytest.raises(UndecodableMessage) as error:
        decode(record, REGISTRY)
    return str(error.value)


@pytest.mark.parametrize("envelope", LATEST.values(), ids=list(LATEST))
def test_decode_reads_back_exactly_what_encode_wrote(envelope: Envelope[Any]) -> None:
    assert decode(encode(envelope), REGISTRY) == envelope


@pytest.mark.parametrize("envelope", EXAMPLES.values(), ids=list(EXAMPLES))
def test_encode_keys_the_record_by_subject_and_writes_compact_json(envelope: Envelope[Any]) -> None:
    record = encode(envelope)
    assert record.key == envelope.subject.encode()
    assert record.value == json.dumps(envelope.data.data(), separators=(",", ":")).encode()
    assert record.header("content-type") == "application/json"
    assert record.header("ce_dataschema") == envelope.data.dataschema()


@pytest.mark.parametrize("envelope", EXAMPLES.values(), ids=list(EXAMPLES))
def test_cloudevents_sdk_reads_every_event_we_write(envelope: Envelope[Any]) -> None:
    record = encode(envelope)
    message = ce_kafka.KafkaMessage(
        headers=header_bytes(record), key=record.key, value=record.value or b""
    )
    event = ce_kafka.from_binary_event(message)
    assert event.get_specversion() == "1.0"
    assert (event.get_id(), event.get_type(), event.get_source()) == (
        envelope.id,
        envelope.data.ce_type(),
        envelope.source,
    )
    assert event.get_subject() == envelope.subject
    assert event.get_time() == envelope.time
    assert event.get_dataschema() == envelope.data.dataschema()
    assert event.get_datacontenttype() == "application/json"
    assert event.get_data() == envelope.data.data()
    assert _extensions(event.get_extension) == _expected_extensions(envelope)


@pytest.mark.parametrize("envelope", EXAMPLES.values(), ids=list(EXAMPLES))
def test_cloudevents_v1_sdk_api_reads_every_event_we_write(envelope: Envelope[Any]) -> None:
    record = encode(envelope)
    message = ce_kafka_v1.KafkaMessage(
        headers=header_bytes(record), key=record.key, value=cast(bytes, record.value)
    )
    event = ce_kafka_v1.from_binary(message, data_unmarshaller=json.loads)
    assert (event["id"], event["type"], event["source"], event["subject"]) == (
        envelope.id,
        envelope.data.ce_type(),
        envelope.source,
        envelope.subject,
    )
    assert event.data == envelope.data.data()
    assert _extensions(event.get) == _expected_extensions(envelope)


def _extensions(get: Any) -> dict[str, Any]:
    return {name: get(name) for name in ("sequence", "correlationid", "causationid", "actor")}


def _expected_extensions(envelope: Envelope[Any]) -> dict[str, Any]:
    return {
        "sequence": None if envelope.sequence is None else f"{envelope.sequence:010d}",
        "correlationid": envelope.correlation_id,
        "causationid": envelope.causation_id,
        "actor": envelope.actor,
    }


def test_decode_raises_an_old_draft_revised_record_to_v2_with_its_content_hash() -> None:
    envelope = decode(encode(EXAMPLES[DraftRevisedV1.ce_type()]), REGISTRY)
    assert isinstance(envelope.data, DraftRevised)
    assert envelope.data.content_hash == content_hash(envelope.data.content)
    assert envelope.data.changed_fields == []
    assert envelope.sequence == EXAMPLES[DraftRevisedV1.ce_type()].sequence


def test_decode_says_garbage_bytes_are_not_json() -> None:
    assert "value is not JSON" in _reason(_record(value=b"\xff\xfe not json"))


@pytest.mark.parametrize("value", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_decode_says_json_that_is_not_an_object_is_refused(value: bytes) -> None:
    assert "not an object" in _reason(_record(value=value))


def test_decode_says_a_tombstone_has_no_value() -> None:
    record = _record()
    assert "tombstone" in _reason(KafkaRecord(record.key, None, record.headers))


@pytest.mark.parametrize("header", REQUIRED)
def test_decode_names_the_missing_cloudevents_header(header: str) -> None:
    assert f"missing CloudEvents headers: {header}" in _reason(_record(**{header: None}))


def test_decode_refuses_another_cloudevents_version() -> None:
    assert "unsupported ce_specversion '0.3'" in _reason(_record(ce_specversion="0.3"))


@pytest.mark.parametrize(
    "ce_type",
    [
        "pressroom.drafting.NoSuchThing.v1",
        "pressroom.drafting.DraftCreated.v7",
        "com.example.Thing",
    ],
)
def test_decode_names_an_unknown_ce_type(ce_type: str) -> None:
    assert ce_type in _reason(_record(ce_type=ce_type))


def test_decode_says_which_field_breaks_the_schema() -> None:
    data = EXAMPLES[DraftCreated.ce_type()].data.data()
    data["content"]["title"] = "x" * 301
    reason = _reason(_record(value=json.dumps(data).encode()))
    assert reason.startswith("data does not match its schema: content.title")


def test_decode_refuses_unknown_fields_in_a_command() -> None:
    data = EXAMPLES[ReviseDraft.ce_type()].data.data() | {"surprise": 1}
    value = json.dumps(data).encode()
    assert "surprise: Extra inputs" in _reason(_record(ReviseDraft.ce_type(), value=value))


def test_decode_ignores_unknown_fields_in_an_event() -> None:
    data = EXAMPLES[DraftCreated.ce_type()].data.data() | {"surprise": 1}
    decoded = decode(_record(value=json.dumps(data).encode()), REGISTRY)
    assert decoded.data == EXAMPLES[DraftCreated.ce_type()].data


def test_decode_refuses_an_old_record_without_content_instead_of_crashing() -> None:
    reason = _reason(_record(DraftRevisedV1.ce_type(), value=b'{"release_id": "r-1"}'))
    assert reason.startswith("data does not match its schema")


def test_decode_says_a_naive_or_missing_time_is_a_header_problem() -> None:
    assert "invalid CloudEvents attributes: time" in _reason(_record(ce_time="2016-01-08T09:00:00"))
    assert "invalid CloudEvents attributes: time" in _reason(_record(ce_time=None))


def test_decode_says_a_sequence_must_be_a_stream_version() -> None:
    assert "ce_sequence 'two' is not a stream version" in _reason(_record(ce_sequence="two"))


# `int` took all of these; the last two stopped the projector at its write (an integer column).
@pytest.mark.parametrize(
    "sequence", ["-5", "+5", " 5", "5_000", "\u0665", "0", "0000000000", str(2**31), "9" * 30]
)
def test_decode_refuses_a_sequence_no_stream_has(sequence: str) -> None:
    assert f"ce_sequence {sequence!r}" in _reason(_record(ce_sequence=sequence))


def test_decode_reads_the_largest_version_a_store_holds() -> None:
    assert decode(_record(ce_sequence=str(2**31 - 1)), REGISTRY).sequence == 2**31 - 1


@pytest.mark.parametrize("time", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_decode_says_a_time_with_no_utc_instant_is_a_header_problem(time: str) -> None:
    """Its OverflowError escaped decoding: a consumer met a crash, not a reason."""
    reason = _reason(_record(ce_time=time))
    assert (
        "invalid CloudEvents attributes: time" in reason and "cannot be expressed in UTC" in reason
    )


OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
HEADER_TEXT = st.characters(codec="utf-8")
TIMES = st.datetimes(timezones=OFFSETS).map(datetime.isoformat) | st.text(HEADER_TEXT, max_size=40)
SEQUENCES = st.integers().map(str) | st.text(HEADER_TEXT, max_size=30)


@given(st.one_of(TIMES, st.none()), st.one_of(SEQUENCES, st.none()))
def test_decode_turns_any_time_or_sequence_into_a_message_or_a_reason(
    time: str | None, sequence: str | None
) -> None:
    with contextlib.suppress(UndecodableMessage):
        decode(_record(ce_time=time, ce_sequence=sequence), REGISTRY)


@given(st.binary(max_size=200))
def test_decode_turns_any_value_into_a_message_or_a_reason_never_a_crash(value: bytes) -> None:
    with contextlib.suppress(UndecodableMessage):
        decode(_record(value=value), REGISTRY)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["content", "release_id", "revision", "type"]),
        st.none() | st.integers() | st.text(max_size=5),
    )
)
def test_decode_turns_any_old_record_into_a_message_or_a_reason(data: dict[str, Any]) -> None:
    with contextlib.suppress(UndecodableMessage):
        decode(_record(DraftRevisedV1.ce_type(), value=json.dumps(data).encode()), REGISTRY)


def test_a_partial_revision_keeps_only_its_changed_fields_across_the_wire() -> None:
    command = ReviseDraft(
        release_id="r1",
        actor=Actor(id="alice", roles=["writer"], organisation="fco"),
        expected_version=3,
        changes=ContentChanges(summary="New summary."),
    )
    envelope = Envelope[Message](
        id="c1", source="/tests", time=datetime.now(UTC), subject="r1", data=command,
        correlation_id="c1", actor="alice",
    )  # fmt: skip
    received = decode(encode(envelope), REGISTRY).data
    assert isinstance(received, ReviseDraft)
    assert received.changes.present() == {"summary": "New summary."}
