"""Export lines are CloudEvents any SDK reads, and give back the very same Kafka record."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiokafka.structs import ConsumerRecord
from cloudevents.core.formats.json import JSONFormat

from events.content import ReleaseContent, content_hash
from events.drafting import DraftCreated
from events.envelope import Envelope
from events.kafka import encode
from operator_tools.cloudevents_json import RAW_TYPE, LogRecord, from_cloudevent, to_cloudevent
from operator_tools.export import log_record

CONTENT = ReleaseContent(
    title="Foreign Secretary visits Japan", body="Tokyo — “talks”", organisations=["fco"]
)


def pressroom_record() -> LogRecord:
    event = DraftCreated(
        release_id="r1",
        revision=1,
        content=CONTENT,
        content_hash=content_hash(CONTENT),
        created_by="alice",
        organisation="fco",
    )
    envelope = Envelope[DraftCreated](
        id="e1",
        source="/pressroom/drafting",
        time=datetime(2016, 7, 21, 9, tzinfo=UTC),
        subject="r1",
        data=event,
        sequence=1,
        correlation_id="c1",
        causation_id="k1",
        actor="alice",
    )
    record = encode(envelope)
    headers = (*record.headers, ("pressroom_outbox_id", b"drafting:7"))
    place = ("pressroom.drafting.events", 2, 41, 1469091600000)
    return LogRecord(*place, record.key, record.value, headers)


def test_a_pressroom_record_round_trips_byte_for_byte() -> None:
    record = pressroom_record()
    line = json.dumps(to_cloudevent(record), ensure_ascii=False)
    assert from_cloudevent(json.loads(line)) == record


def test_the_line_is_a_structured_cloudevent_with_json_data() -> None:
    event = to_cloudevent(pressroom_record())
    assert event["type"] == "pressroom.drafting.DraftCreated.v1"
    assert event["datacontenttype"] == "application/json"
    assert event["partitionkey"] == "r1" and event["sequence"] == "0000000001"
    assert event["data"]["content"]["title"] == "Foreign Secretary visits Japan"
    parsed = JSONFormat().read(None, json.dumps(event))  # validates names and required attributes
    assert parsed.get_id() == "e1" and parsed.get_subject() == "r1"
    assert parsed.get_extension("kafkatopic") == "pressroom.drafting.events"
    data = parsed.get_data()
    assert isinstance(data, dict) and data["release_id"] == "r1"


def test_a_record_that_is_no_cloudevent_is_kept_raw() -> None:
    garbage = LogRecord(
        "pressroom.drafting.events", 0, 3, 1, b"\xff", b"not json", (("x", b"\x00"),)
    )
    event = to_cloudevent(garbage)
    assert event["type"] == RAW_TYPE and "data_base64" in event
    assert JSONFormat().read(None, json.dumps(event)).get_data() == b"not json"
    assert from_cloudevent(json.loads(json.dumps(event))) == garbage


def test_a_tombstone_and_non_canonical_json_are_kept_raw_too() -> None:
    base = pressroom_record()
    for value in (None, b'{"a": 1}'):
        record = LogRecord(base.topic, 0, 1, 2, base.key, value, base.headers)
        event = to_cloudevent(record)
        assert event["type"] == RAW_TYPE
        assert from_cloudevent(event) == record


def test_a_header_without_a_value_is_exported_raw_and_comes_back_without_one() -> None:
    # As aiokafka hands over a poison record: Kafka allows a header with no value at all.
    consumed = ConsumerRecord(
        topic="pressroom.drafting.events", partition=0, offset=9, timestamp=1,
        timestamp_type=0, key=b"r1", value=b"{}", checksum=None, serialized_key_size=2,
        serialized_value_size=2, headers=[("ce_id", None), ("x", b"1")],
    )  # fmt: skip
    record = log_record(consumed)
    event = to_cloudevent(record)
    assert event["type"] == RAW_TYPE
    back = from_cloudevent(json.loads(json.dumps(event)))
    assert back == record and back.headers == (("ce_id", None), ("x", b"1"))


def test_json_nested_deeper_than_python_recurses_is_kept_raw_not_a_crash() -> None:
    """`pressroom export` stopped with a RecursionError on such a record (the poison suite
    writes one to every events topic) instead of keeping it, as it keeps any record it cannot
    write back as a CloudEvent."""
    base = pressroom_record()
    deep = b"[" * 100_000 + b"]" * 100_000
    record = LogRecord(base.topic, 0, 1, 2, base.key, deep, base.headers)
    event = to_cloudevent(record)
    assert event["type"] == RAW_TYPE
    assert from_cloudevent(json.loads(json.dumps(event))) == record
