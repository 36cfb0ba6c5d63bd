"""Everything the checker holds the invariants against, read once after the load: every topic's
records of this run (decoded, with Kafka's timestamp), each service's event store and command
outcomes, the read models, and what the subscribers received."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg

from events.catalog import REGISTRY
from events.envelope import Envelope
from events.kafka import KafkaRecord, decode
from events.topics import REPLIES
from services.kit.log_reader import read_records
from services.kit.settings import Settings
from services.publication.email_render import DELIVERY_HEADER
from tests.chaos.ledger import Ledger, key_text
from tests.chaos.receiver import Call
from tests.integration.delivery_support import Mailbox

SERVICES = ("drafting", "approval", "embargo", "publication")


@dataclass(frozen=True)
class Logged:
    envelope: Envelope[Any]
    logged_at: datetime  # Kafka's timestamp: when it reached the topic
    partition: int
    offset: int


@dataclass
class World:
    ledger: Ledger
    events: dict[str, list[Logged]] = field(default_factory=dict)  # service -> log order
    replies: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    stores: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    outcomes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)  # the read model's
    sent: list[dict[str, Any]] = field(default_factory=list)  # publication's own table
    calls: list[Call] = field(default_factory=list)
    mails: list[tuple[str, str]] = field(default_factory=list)  # (address, delivery id)

    def of(self, service: str, release_id: str) -> list[Logged]:
        return [e for e in self.events[service] if e.envelope.subject == release_id]


async def read_world(
    settings: Settings, ledger: Ledger, calls: list[Call], mailbox: Mailbox
) -> World:
    world = World(ledger, calls=list(calls))
    # a subscriber's commands and events are on its own stream, keyed by its id
    releases = set(ledger.releases) | set(ledger.subscribers)
    for service in SERVICES:
        topic = f"pressroom.{service}.events"
        world.events[service] = [
            _logged(r) for r in await read_records(settings.kafka_bootstrap, (topic,))
            if key_text(r.key) in releases
        ]  # fmt: skip
    for r in await read_records(settings.kafka_bootstrap, (REPLIES,)):
        if (command_id := key_text(r.key)) in ledger.commands:
            world.replies[command_id].append(_logged(r).envelope.data)
    conn = await asyncpg.connect(settings.pg_dsn)
    try:
        await _read_tables(conn, world, sorted(releases), sorted(ledger.commands))
    finally:
        await conn.close()
    world.mails = _mails(mailbox)
    return world


async def _read_tables(
    conn: asyncpg.Connection, world: World, releases: list[str], commands: list[str]
) -> None:
    for service in SERVICES:
        rows = await conn.fetch(
            f"SELECT stream_id, version, event_id, event_type FROM {service}.events"
            " WHERE stream_id = ANY($1) ORDER BY global_position", releases,
        )  # fmt: skip
        world.stores[service] = [dict(row) for row in rows]
        rows = await conn.fetch(
            f"SELECT command_id, status, outcome FROM {service}.processed_commands"
            " WHERE command_id = ANY($1)", commands,
        )  # fmt: skip
        world.outcomes[service] = {row["command_id"]: dict(row) for row in rows}
    rows = await conn.fetch(
        "SELECT * FROM projections.release_history WHERE release_id = ANY($1)", releases
    )
    world.history = [dict(row) for row in rows]
    rows = await conn.fetch(
        "SELECT * FROM projections.deliveries WHERE release_id = ANY($1)", releases
    )
    world.deliveries = [dict(row) for row in rows]
    rows = await conn.fetch(
        "SELECT delivery_id, subscriber_id, release_id, edition, notice"
        " FROM publication.deliveries WHERE release_id = ANY($1)", releases,
    )  # fmt: skip
    world.sent = [dict(row) for row in rows]


def _logged(record: Any) -> Logged:
    kafka_record = KafkaRecord(record.key, record.value, list(record.headers or ()))
    return Logged(
        decode(kafka_record, REGISTRY),
        datetime.fromtimestamp(record.timestamp / 1000, UTC),
        record.partition,
        record.offset,
    )


def _mails(mailbox: Mailbox) -> list[tuple[str, str]]:
    """The emails to the suite's own addresses (tests/chaos/load.py names them `chaos-…`): the
    session's mailbox also holds what earlier tests' subscribers were sent."""
    with mailbox.lock:
        return [
            (address, str(message[DELIVERY_HEADER] or ""))
            for addresses, message in mailbox.messages
            for address in addresses
            if address.startswith("chaos-")
        ]
