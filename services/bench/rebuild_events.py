"""Drafting events as the relay writes them, many releases' lifecycles: the rebuild's input."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from events.base import Message
from events.content import ContentChanges, content_hash
from events.drafting import DraftCreated, DraftRevised, DraftSubmitted
from events.envelope import Envelope, deterministic_id, source_of
from events.kafka import KafkaRecord, encode
from services.bench.drafting import content

EVENTS_PER_RELEASE = 4


def lifecycle_records(events: int, start: datetime) -> list[KafkaRecord]:
    """At least `events` records: created, revised twice, submitted, per release."""
    releases = -(-events // EVENTS_PER_RELEASE)
    return [
        record
        for i in range(releases)
        for record in _lifecycle(str(uuid.uuid4()), i, start + timedelta(milliseconds=i))
    ]


def _lifecycle(release_id: str, i: int, at: datetime) -> list[KafkaRecord]:
    first = content(i, "bench")
    second = ContentChanges(summary=f"Revised summary {i}").apply_to(first)
    third = ContentChanges(body=f"A new body for release {i}.").apply_to(second)
    ids = {"release_id": release_id}
    events: list[Message] = [
        DraftCreated(
            **ids,
            revision=1,
            content=first,
            content_hash=content_hash(first),
            created_by="bench",
            organisation="bench",
        ),
        DraftRevised(
            **ids,
            revision=2,
            content=second,
            content_hash=content_hash(second),
            changed_fields=["summary"],
            revised_by="bench",
        ),
        DraftRevised(
            **ids,
            revision=3,
            content=third,
            content_hash=content_hash(third),
            changed_fields=["body"],
            revised_by="bench",
        ),
        DraftSubmitted(
            **ids,
            revision=3,
            content_hash=content_hash(third),
            submitted_by="bench",
            organisation="bench",
            authors=["bench"],
        ),
    ]
    return [encode(_envelope(release_id, e, n, at)) for n, e in enumerate(events, 1)]


def _envelope(release_id: str, event: Message, sequence: int, at: datetime) -> Envelope[Message]:
    command = deterministic_id(release_id, "bench", str(sequence))
    return Envelope[Message](
        id=deterministic_id(command, str(sequence)),
        source=source_of("drafting"),
        time=at,
        subject=release_id,
        data=event,
        sequence=sequence,
        correlation_id=command,
        causation_id=command,
        actor="bench",
    )
