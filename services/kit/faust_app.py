"""The faust app of a service: one app id (= one consumer group) per service, raw bytes in."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from typing import Any

import faust

from events.kafka import Headers, KafkaRecord
from services.kit.consumer_groups import service_group
from services.kit.dlq import RecordOrigin
from services.kit.faust_fetch import use_fetch_wait
from services.kit.kafka_clients import faust_credentials
from services.kit.settings import Settings


def create_app(service: str, settings: Settings) -> faust.App:
    # faust keeps a little state on disk; under the stack's data folder, not the working dir
    # (faust makes only the last folder of the path itself).
    datadir = settings.data_dir / "faust" / f"pressroom-{service}"
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        service_group(service),
        broker=f"kafka://{settings.kafka_bootstrap}",
        broker_credentials=faust_credentials(settings),
        store="memory://",
        datadir=str(datadir),
        # Decisions live in PostgreSQL, not in faust tables: nothing to recover on start.
        topic_partitions=settings.topic_partitions,
        topic_allow_declare=False,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        # A killed instance's partitions move to a live one after 10 s, not faust's default 60 s.
        broker_session_timeout=10.0,
        broker_heartbeat_interval=3.0,
        broker_commit_every=100,
        broker_commit_interval=1.0,
    )
    use_fetch_wait(app, settings.kafka_fetch_wait_ms)
    return app


def raw_topic(app: faust.App, name: str) -> faust.TopicT:
    """Agents read bytes and decode them themselves: bad input reaches the DLQ, not a crash."""
    return app.topic(name, key_serializer="raw", value_serializer="raw")


# At most this many records in one batch (one transaction): a backlog is taken in slices.
BATCH_MAX = 500


async def record_batches(
    stream: AsyncIterable[faust.EventT[Any]],
) -> AsyncIterator[list[tuple[KafkaRecord, RecordOrigin]]]:
    """The records in batches, in order: a batch is what had arrived when the last one was done,
    so none waits for company (no timer) and a backlog goes in big ones. Acked, so that the
    consumer may commit their offsets, only once the caller's work on the batch has returned."""
    faust_stream: Any = stream
    faust_stream.enable_acks = False  # we ack, after the work (faust's take_events does too)
    arrived = faust_stream.channel.queue
    events: list[faust.EventT[Any]] = []
    async for event in faust_stream.events():
        events.append(event)
        if len(events) < BATCH_MAX and not arrived.empty():
            continue
        yield [record_of(e) for e in events]
        for done in events:
            await faust_stream.ack(done)
        events = []


def record_of(event: faust.EventT[Any]) -> tuple[KafkaRecord, RecordOrigin]:
    message = event.message
    return (
        KafkaRecord(key=message.key, value=message.value, headers=_headers(message.headers)),
        RecordOrigin(topic=message.topic, partition=message.partition, offset=message.offset),
    )


def _headers(raw: Mapping[str, bytes] | Sequence[tuple[str, bytes | None]] | None) -> Headers:
    """faust hands headers over as a list of pairs or as a dict, depending on the path taken.
    From Kafka they are (name, bytes or None) pairs, kept as they are: a header without a value
    stays null, for decoding to refuse (it was read as the text "None" and acted on) and for the
    dead letter to keep the record as it came. Only a dict from faust's own sends may hold text."""
    if isinstance(raw, Mapping):
        return [(key, _as_bytes(value)) for key, value in raw.items()]
    return list(raw or ())


def _as_bytes(value: object) -> bytes | None:
    return value if value is None or isinstance(value, bytes) else str(value).encode()
