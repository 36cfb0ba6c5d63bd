"""Deliveries and subscribers follow publication's events in the events' own transaction, as
deadlines do: a ReleasePublished commits with its deliveries or not at all (nothing lost), and a
DeliverySucceeded commits with the row that stops the worker sending it again."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from events.base import Event
from events.envelope import Envelope
from events.publication import (
    DeliveryAttempted,
    DeliveryFailed,
    DeliverySucceeded,
    ReleasePublished,
    ReleaseUnpublished,
    ReleaseWithdrawn,
)
from events.subscribers import (
    RedeliveryRequested,
    SubscriberFilters,
    SubscriberRegistered,
    SubscriberRemoved,
)
from services.kit.db import Connection
from services.publication import delivery_sql as sql
from services.publication.fanout import ActiveSubscriber, plan_deliveries

AfterAppend = Callable[[Connection, list[Envelope[Event]]], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base, 2·base, 4·base… capped; a round gives up after max_attempts."""

    max_attempts: int
    base_s: float
    cap_s: float


def release_tables_writer(schema: str, retry: RetryPolicy, public_base_url: str) -> AfterAppend:
    """For the release handler: plans deliveries for new public changes, follows attempts."""

    async def write(conn: Connection, envelopes: list[Envelope[Event]]) -> None:
        planned = False
        for envelope in envelopes:
            match envelope.data:
                case ReleasePublished() | ReleaseWithdrawn() | ReleaseUnpublished():
                    planned |= await _plan(conn, schema, envelope, public_base_url)
                case DeliveryAttempted() as attempted:
                    await conn.execute(
                        sql.ATTEMPT.format(schema=schema), attempted.delivery_id,
                        attempted.attempt, attempted.detail, envelope.time, retry.base_s,
                        retry.cap_s,
                    )  # fmt: skip
                case DeliverySucceeded() as succeeded:
                    await conn.execute(sql.SUCCEEDED.format(schema=schema), succeeded.delivery_id)
                case DeliveryFailed() as failed:
                    await conn.execute(sql.FAILED.format(schema=schema), failed.delivery_id)
        if planned:
            await notify(conn, schema)

    return write


def subscriber_tables_writer(schema: str) -> AfterAppend:
    """For the subscriber handler: who is active, and failed deliveries made due again."""

    async def write(conn: Connection, envelopes: list[Envelope[Event]]) -> None:
        for envelope in envelopes:
            data: Any = envelope.data
            match data:
                case SubscriberRegistered():
                    await conn.execute(
                        sql.INSERT_SUBSCRIBER.format(schema=schema), data.subscriber_id,
                        data.channel, data.url, data.email, data.filters.organisations,
                        data.filters.topics,
                    )  # fmt: skip
                case SubscriberRemoved():
                    for statement in (sql.REMOVE_SUBSCRIBER, sql.DROP_WAITING):
                        await conn.execute(statement.format(schema=schema), data.subscriber_id)
                    await notify(conn, schema)  # the notices behind a dropped one may go now
                case RedeliveryRequested():
                    await conn.execute(
                        sql.REDELIVER.format(schema=schema), data.subscriber_id, data.release_id,
                        envelope.time,
                    )  # fmt: skip
                    await notify(conn, schema)

    return write


async def _plan(
    conn: Connection, schema: str, envelope: Envelope[Any], public_base_url: str
) -> bool:
    release_id = envelope.data.release_id
    rows = await conn.fetch(sql.ACTIVE_SUBSCRIBERS.format(schema=schema))
    subscribers = [
        ActiveSubscriber(
            row["subscriber_id"], row["channel"],
            SubscriberFilters(organisations=row["organisations"], topics=row["topics"]),
        )
        for row in rows
    ]  # fmt: skip
    earlier = await conn.fetch(sql.HAD_AN_EDITION.format(schema=schema), release_id)
    had = {row["subscriber_id"] for row in earlier}
    last = await conn.fetchval(sql.LAST_PUBLISHED.format(schema=schema), release_id)
    last_payload = json.loads(last) if last is not None else None
    planned = plan_deliveries(envelope, subscribers, had, last_payload, public_base_url)
    for delivery in planned:
        await conn.execute(
            sql.INSERT_DELIVERY.format(schema=schema), delivery.delivery_id,
            delivery.subscriber_id, delivery.release_id, delivery.edition, delivery.notice,
            json.dumps(delivery.payload), envelope.time, envelope.traceparent, envelope.tracestate,
        )  # fmt: skip
    return bool(planned)


async def notify(conn: Connection, schema: str) -> None:
    """Transactional: the workers wake at commit."""
    await conn.execute(f"NOTIFY {sql.CHANNEL.format(schema=schema)}")
