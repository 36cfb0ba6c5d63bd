"""Whether a record that decoded belongs where it was read: the right kind of message for its
topic, its key and `ce_subject` both naming its data's stream, and (for events) a sequence.
Decoding says a record is a Pressroom message; this says it is one of *this* topic's, so a
consumer dead-letters a misplaced or forged one instead of acting on it or dropping it silently
(issue 12, poison input; every consumer asks the same question here)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from events.base import Command, Event, Message
from events.envelope import Envelope
from events.kafka import MAX_STREAM_VERSION, KafkaRecord
from events.replies import CommandOutcome
from events.subscribers import SubscriberCommand, SubscriberEvent
from events.topics import REPLIES
from services.kit.limits import MAX_EVENT_BYTES

# Ids are keys: of PostgreSQL's btree indexes (at most 2,704 bytes a key), of NOTIFY payloads (at
# most 8,000 bytes) and of log lines. A bot's command with an 8,000-character ce_id was answered
# under that id, and the reply stopped the projector, record after record.
MAX_ID_CHARS = 256
# A command is answered under `<its id>:outcome`, which must itself be an id.
MAX_COMMAND_ID_CHARS = 200


@cache  # a consumer reads a handful of topics, and asks for every record
def topic_holds(topic: str) -> tuple[str, str] | None:
    """(kind, service) of the messages a Pressroom topic carries; None for any other topic."""
    if topic == REPLIES:
        return ("reply", "replies")
    parts = topic.split(".")
    if len(parts) != 3 or parts[0] != "pressroom":
        return None
    kinds = {"commands": "command", "events": "event"}
    return (kinds[parts[2]], parts[1]) if parts[2] in kinds else None


def stream_of(message: Message) -> str | None:
    """The stream a message belongs to: what its key and `ce_subject` must be."""
    if isinstance(message, Command | SubscriberCommand):
        return message.stream_id()
    if isinstance(message, CommandOutcome):
        return message.command_id
    if isinstance(message, SubscriberEvent):
        return message.subscriber_id
    return message.release_id if isinstance(message, Event) else None


def misplaced(topic: str, record: KafkaRecord, envelope: Envelope[Message]) -> str | None:
    """Why this decoded record does not belong on `topic`, or None when it does."""
    return misplaced_parts(topic, record.key, record.value, record.headers, envelope)


def misplaced_parts(
    topic: str,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes | None]],
    envelope: Envelope[Message],
) -> str | None:
    """`misplaced` of a record's parts, for a consumer holding them already (a header without a
    value is left out, as `KafkaRecord` leaves it out)."""
    # One join of the headers' names and one of their values, not a step per header: the size
    # (`record_bytes`) and the NUL scan below read them whole.
    header_values = b"".join([v for _, v in headers if v])
    names = "".join([name for name, v in headers if v is not None]).encode()
    size = len(value or b"") + len(key or b"") + len(names) + len(header_values)
    if size > MAX_EVENT_BYTES:  # no producer of ours writes it: unknown fields may have let it read
        return (
            f"the record is {size} bytes; no Pressroom message is larger than"
            f" {MAX_EVENT_BYTES} bytes"
        )
    if b"\\u0000" in (value or b"") or b"\0" in header_values:
        return "the record holds a NUL character, which no Pressroom text may hold"
    data = envelope.data
    too_long = _too_long_id(envelope)
    if too_long is not None:
        return too_long
    holds = topic_holds(topic)
    if holds is not None and (data.kind, data.service) != holds:
        return f"{envelope.type} is a {data.service} {data.kind}: it does not belong on {topic}"
    stream = stream_of(data)
    if stream is not None and envelope.subject != stream:
        return f"ce_subject {envelope.subject!r} is not the stream of its data ({stream!r})"
    if key != envelope.subject.encode("utf-8"):
        shown = (key or b"").decode("utf-8", errors="replace")
        return f"the record's key {shown!r} is not its ce_subject {envelope.subject!r}"
    if data.kind == "event" and envelope.sequence is None:
        return f"{envelope.type} has no ce_sequence, so it cannot be deduplicated"
    if isinstance(data, CommandOutcome) and not 0 <= (data.stream_version or 0) <= (
        MAX_STREAM_VERSION
    ):
        return f"stream_version {data.stream_version} is out of range for a reply"
    return None


def _too_long_id(envelope: Envelope[Message]) -> str | None:
    """Why one of the message's ids is longer than an id may be, or None."""
    ids = {
        "ce_id": envelope.id,
        "ce_subject": envelope.subject,
        "ce_correlationid": envelope.correlation_id,
        "ce_causationid": envelope.causation_id or "",
    }
    for header, value in ids.items():
        if len(value) > MAX_ID_CHARS:
            return f"{header} is {len(value)} characters; an id is at most {MAX_ID_CHARS}"
    if envelope.data.kind == "command" and len(envelope.id) > MAX_COMMAND_ID_CHARS:
        return (
            f"ce_id is {len(envelope.id)} characters; a command's id is at most"
            f" {MAX_COMMAND_ID_CHARS} (it is answered under it)"
        )
    return None


ANSWERED_HEADERS = ("ce_id", "ce_type", "ce_subject", "ce_actor")


def answerable_id(record: KafkaRecord) -> str | None:
    """The command id a refused or undecodable command is answered under on pressroom.replies:
    none when it has no ce_id, when it is longer than a command's id may be, or when a header the
    answer repeats is longer than an id or holds a control character (no sender waits on such an
    id, and the answer would carry it into every reader's text and the read model's keys)."""
    texts = [record.header(name) or "" for name in ANSWERED_HEADERS]
    if any(len(text) > MAX_ID_CHARS for text in texts):
        return None  # the answer would repeat it
    if any(ord(c) < 0x20 or c == "\x7f" for text in texts for c in text):
        return None
    command_id = record.header("ce_id") or None
    return command_id if command_id is None or len(command_id) <= MAX_COMMAND_ID_CHARS else None
