"""Malformed Kafka records for every topic a Pressroom process consumes (issue 12, poison input):
random bytes, truncated or deeply nested JSON, unknown types and versions, schema-invalid data,
records as large as the broker takes, missing, forged or null headers, and a key that is not the
record's subject. Each one is built from a real message of that topic (the recorded examples), so
only the one thing named by its kind is wrong. Drawn with a seeded `random.Random`."""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from events.base import Message
from events.envelope import Envelope
from events.kafka import Headers, KafkaRecord, encode
from events.schemas.examples import examples
from events.signing import KEY_ID_HEADER, SIGNATURE_HEADER
from events.topics import COMMAND_TOPICS, EVENT_TOPICS, REPLIES
from services.kit.limits import TOPIC_MAX_MESSAGE_BYTES
from tests.support import signed_record

# Every topic a Pressroom process consumes: commands (their service), events (the other services'
# policies and the projector), replies (the projector and the gateways' reply listeners).
POISONED_TOPICS: tuple[str, ...] = (*COMMAND_TOPICS, *EVENT_TOPICS, REPLIES)
NESTING = 100_000  # deeper than any JSON parser's recursion limit


@dataclass(frozen=True)
class Poison:
    topic: str
    kind: str
    record: KafkaRecord


def base_records(topic: str) -> list[KafkaRecord]:
    """Real records of the topic's kind, each on a fresh subject so none meets the load's."""
    kind = "reply" if topic == REPLIES else "command" if topic in COMMAND_TOPICS else "event"
    service = topic.split(".")[1]
    found = [
        encode(_on_fresh_subject(envelope))
        for envelope in examples().values()
        if envelope.data.kind == kind and envelope.data.service == service
    ]
    assert found, f"no example of {topic}"
    return found


def _on_fresh_subject(envelope: Envelope[Message]) -> Envelope[Message]:
    fresh = f"poison-{uuid.uuid4()}"
    data = envelope.data
    fields = {f: fresh for f in ("release_id", "subscriber_id", "command_id") if hasattr(data, f)}
    moved = data.model_copy(update=fields)
    return envelope.model_copy(update={"subject": fresh, "data": moved, "id": str(uuid.uuid4())})


def _headers(record: KafkaRecord, **changes: bytes | None) -> Headers:
    """The record's headers with some replaced (a value of None drops it)."""
    kept = [(k, v) for k, v in record.headers if k not in changes]
    return kept + [(k, v) for k, v in changes.items() if v is not None]


def _with(record: KafkaRecord, value: bytes | None = None, **changes: bytes | None) -> KafkaRecord:
    new_value = record.value if value is None else value
    return KafkaRecord(record.key, new_value, _headers(record, **changes))


def _ce_type(record: KafkaRecord) -> str:
    return record.header("ce_type") or ""


def _oversized(record: KafkaRecord) -> KafkaRecord:
    """Valid JSON as large as the broker takes (minus room for the headers): bigger than any
    Pressroom message may be, so that its dead letter, the same bytes plus the reason, is not."""
    room = TOPIC_MAX_MESSAGE_BYTES - 1_000 - sum(len(k) + len(v or b"") for k, v in record.headers)
    value = json.dumps({"release_id": record.key.decode() if record.key else "", "x": ""})
    return _with(record, value[:-2].encode() + b"a" * (room - len(value)) + b'"}')


KINDS: dict[str, Callable[[KafkaRecord, random.Random], KafkaRecord]] = {
    "random bytes": lambda r, rng: KafkaRecord(
        rng.randbytes(16), rng.randbytes(rng.randint(0, 2_000)), []
    ),
    "random bytes with headers": lambda r, rng: _with(r, rng.randbytes(rng.randint(1, 500))),
    "truncated JSON": lambda r, rng: _with(r, (r.value or b"")[: rng.randint(1, 40)]),
    "deeply nested JSON": lambda r, rng: _with(r, b"[" * NESTING + b"]" * NESTING),
    "JSON that is not an object": lambda r, rng: _with(r, b'["an", "array"]'),
    "no value (tombstone)": lambda r, rng: KafkaRecord(r.key, None, r.headers),
    "unknown type": lambda r, rng: _with(
        r, ce_type=_ce_type(r).rsplit(".", 2)[0].encode() + b".NoSuchMessage.v1"
    ),
    "unknown version": lambda r, rng: _with(
        r, ce_type=_ce_type(r).rsplit(".", 1)[0].encode() + b".v99"
    ),
    "schema-invalid": lambda r, rng: _with(r, b'{"release_id": 42, "unexpected": true}'),
    "oversized": lambda r, rng: _oversized(r),
    "no headers": lambda r, rng: KafkaRecord(r.key, r.value, []),
    "missing ce_type": lambda r, rng: _with(r, ce_type=None),
    "missing ce_id": lambda r, rng: _with(r, ce_id=None),
    "forged ce_specversion": lambda r, rng: _with(r, ce_specversion=b"0.3"),
    "forged ce_time": lambda r, rng: _with(r, ce_time=b"yesterday"),
    "forged ce_sequence": lambda r, rng: _with(r, ce_sequence=b"not-a-number"),
    # Numbers no stream has: the last two stopped the projector at its write (an integer column).
    "ce_sequence out of range": lambda r, rng: _with(
        r, ce_sequence=rng.choice([b"-5", b"0", str(2**31).encode(), b"9" * 30])
    ),
    # No UTC instant: converting it raised OverflowError out of decoding (the projector stopped).
    "ce_time out of range": lambda r, rng: _with(
        r, ce_time=rng.choice([b"0001-01-01T00:30:00+01:00", b"9999-12-31T23:59:59-01:00"])
    ),
    "forged ce_subject": lambda r, rng: _with(r, ce_subject=f"poison-{uuid.uuid4()}".encode()),
    "NUL in headers": lambda r, rng: _with(
        r, ce_id=b"poison\x00id", ce_type=_ce_type(r).encode() + b"\x00"
    ),
    "header not UTF-8": lambda r, rng: _with(r, ce_actor=b"\xff\xfe\xfd"),
    # No index can key it: a command answered under it stopped the projector, record after record.
    "a very long ce_id": lambda r, rng: _with(r, ce_id=base64.b64encode(rng.randbytes(6_000))),
    "wrong key": lambda r, rng: KafkaRecord(f"poison-{uuid.uuid4()}".encode(), r.value, r.headers),
}
# Kafka allows a header without a value: put in after signing, as a sender's library would.
NULL_HEADER = "null header value"
# A type of another topic: a command on an events topic, an event on a commands topic, ...
MISPLACED = "a message of another topic"


def poison_for(topic: str, rng: random.Random, bases: dict[str, list[KafkaRecord]]) -> Poison:
    """One malformed record for `topic`; commands are signed (so that the signature is not what
    stops them) except for a share sent unsigned or with a forged signature."""
    kind = rng.choice([*KINDS, MISPLACED, NULL_HEADER])
    if kind == MISPLACED:
        record = rng.choice(bases[rng.choice([t for t in POISONED_TOPICS if t != topic])])
    elif kind == NULL_HEADER:
        record = rng.choice(bases[topic])
    else:
        record = KINDS[kind](rng.choice(bases[topic]), rng)
    if topic in COMMAND_TOPICS:
        kind, record = _as_sent(kind, record, rng)
    if kind.startswith(NULL_HEADER):
        # Any attribute, not only ce_subject: the services once read a null ce_correlationid
        # as the text "None" and decided the command.
        name = rng.choice(sorted({k for k, _ in record.headers if k.startswith("ce_")}))
        record = KafkaRecord(record.key, record.value, _null_header(record.headers, name))
        kind = f"{kind} ({name}){kind.removeprefix(NULL_HEADER)}"
    return Poison(topic, kind, record)


def _as_sent(kind: str, record: KafkaRecord, rng: random.Random) -> tuple[str, KafkaRecord]:
    roll = rng.random()
    if roll < 0.1:
        return f"{kind}, forged signature", _forged_signature(record)
    if roll < 0.2:
        return f"{kind}, unsigned", record
    return kind, signed_record(record)


def _null_header(headers: Headers, name: str) -> Headers:
    kept = [(k, v) for k, v in headers if k != name]
    return [*kept[:2], (name, None), *kept[2:]]


def _forged_signature(record: KafkaRecord) -> KafkaRecord:
    forged = {KEY_ID_HEADER: b"test-sender", SIGNATURE_HEADER: b"Zm9yZ2Vk"}
    return _with(signed_record(record), **forged)


def poisons(count: int, seed: int) -> list[Poison]:
    rng = random.Random(seed)
    bases = {topic: base_records(topic) for topic in POISONED_TOPICS}
    return [poison_for(rng.choice(POISONED_TOPICS), rng, bases) for _ in range(count)]
