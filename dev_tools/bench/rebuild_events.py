"""Drafting events as the relay writes them, many releases' lifecycles: the rebuild's input."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from dev_tools.bench.drafting import content
from events.base import Message
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import DraftCreated, DraftRevised, DraftSubmitted
from events.envelope import Envelope, deterministic_id, source_of
from events.kafka import KafkaRecord, encode

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
    common = {"release_id": release_id}
    events: list[Message] = [
        DraftCreated(**common, **_hashed(first), revision=1, created_by="bench",
                     organisation="bench"),
        DraftRevised(**common, **_hashed(second), revision=2, changed_fields=["summary"],
                     revised_by="bench"),
        DraftRevised(**common, **_hashed(third), revision=3, changed_fields=["body"],
                     revised_by="bench"),
        DraftSubmitted(**common, revision=3, content_hash=content_hash(third),
                       submitted_by="bench", organisation="bench", authors=["bench"]),
    ]  # fmt: skip
    return [encode(_envelope(release_id, e, n, at)) for n, e in enumerate(events, 1)]


def _hashed(content: ReleaseContent) -> dict[str, Any]:
    return {"content": content, "content_hash": content_hash(content)}


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
