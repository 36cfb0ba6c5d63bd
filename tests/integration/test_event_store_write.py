"""A transaction's events, outbox rows and outcomes go to the real PostgreSQL in ONE statement
(issue 15: they were three round trips), each table's rows in the order given, every outbox row
with exactly its own headers, none or many."""

from __future__ import annotations

from typing import Any, cast

import pytest

from events.catalog import REGISTRY
from events.kafka import KafkaRecord, decode
from events.topics import REPLIES, events_topic
from services.kit.batches import decide_run
from services.kit.db import Connection
from services.kit.settings import Settings
from tests.integration.pg_faults import scratch_schema
from tests.integration.statements import Recording
from tests.integration.test_command_batches import Store, create, revise
from tests.support import command_envelope

pytestmark = pytest.mark.integration


async def outbox_rows(store: Store) -> list[tuple[str, KafkaRecord]]:
    rows = await store.pool.fetch(
        f"SELECT topic, key, value, header_keys, header_values FROM {store.schema}.outbox"
        " ORDER BY id"
    )
    return [
        (r["topic"], KafkaRecord(r["key"], r["value"], list(zip(r["header_keys"],
                                                                r["header_values"], strict=True))))
        for r in rows
    ]  # fmt: skip


async def test_a_batch_s_events_outbox_rows_and_outcomes_are_one_statement_in_order(
    infra: Settings,
) -> None:
    async with scratch_schema(infra, "one_write") as (pool, schema):
        store = Store(pool, schema)
        handler = store.handler()
        commands: list[Any] = [
            command_envelope(create("rel-a")),
            command_envelope(revise("rel-a", expected_version=1)),
            command_envelope(create("rel-b")),
        ]
        async with pool.acquire() as conn, conn.transaction():
            decisions = await decide_run(conn, handler, commands)
            recording = Recording(conn)
            await handler.record(cast(Connection, recording), decisions, reply=True)
        assert len(recording.sql) == 1, recording.sql
        positions = await pool.fetch(
            f"SELECT stream_id, version FROM {schema}.events ORDER BY global_position"
        )
        assert [(r["stream_id"], r["version"]) for r in positions] == [
            ("rel-a", 1), ("rel-a", 2), ("rel-b", 1)
        ]  # fmt: skip
        expected: list[tuple[str, KafkaRecord | str]] = []
        for decision in decisions:
            expected += [(events_topic("drafting"), record) for record in decision.records]
            expected.append((REPLIES, decision.command.id))
        written = await outbox_rows(store)
        events_written = [(t, r) for t, r in written if t != REPLIES]
        assert events_written == [(t, r) for t, r in expected if t != REPLIES]
        order = [t if t != REPLIES else decode(r, REGISTRY).data.command_id for t, r in written]  # type: ignore[attr-defined]
        assert order == [t if t != REPLIES else r for t, r in expected]
        assert await store.outcomes() == {c.id: "accepted" for c in commands}


async def test_outbox_rows_keep_their_own_headers_none_or_many(infra: Settings) -> None:
    async with scratch_schema(infra, "one_write") as (pool, schema):
        store = Store(pool, schema)
        rows = [
            ("t", KafkaRecord(b"k1", b"v1", [])),
            ("t", KafkaRecord(None, b"v2", [("a", b"1"), ("b", b"2"), ("c", b"3")])),
            ("t", KafkaRecord(b"k3", None, [("d", b"")])),
            ("t", KafkaRecord(b"k4", b"v4", [])),
        ]
        async with pool.acquire() as conn, conn.transaction():
            await store.handler().store.write(conn, [], rows, [])
        assert await outbox_rows(store) == rows


async def test_outbox_headers_keep_every_character_and_byte(infra: Settings) -> None:
    """Each row's headers travel as array literals of its own (a batch's headers were slices of
    one array, quadratic in the batch): quotes, backslashes, braces, commas, spaces, the word
    NULL, non-ASCII names, every byte value and empty values come back exactly, row by row."""
    names = ['a"b', "c\\d", "{e,f}", " g h ", "NULL", "", "ce_ünï", 'x\\"y']
    values = [b'"', b"\\", b"{1,2}", b"", b"NULL", bytes(range(256)), "ü".encode(), b"\\x00"]
    rows = [
        ("t", KafkaRecord(f"k{n}".encode(), b"v", list(zip(names[n % 8 :] + names[: n % 8],
                                                          values, strict=True))))
        for n in range(600)
    ]  # fmt: skip
    rows[7] = ("t", KafkaRecord(b"k7", b"v", []))
    async with scratch_schema(infra, "one_write") as (pool, schema):
        store = Store(pool, schema)
        async with pool.acquire() as conn, conn.transaction():
            await store.handler().store.write(conn, [], rows, [])
        assert await outbox_rows(store) == rows
