"""Pending commands: a command whose decision needs another service's word first.

Its events (the question) are recorded with it, its outcome is not: no reply goes out and the
command id is not yet processed. When the stream records the answer, every command pending on
that stream is decided again in the answer's transaction, and answered as if it had just arrived
(publication's first edition waits for embargo's word this way: docs/publication.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from events.envelope import Envelope
from events.kafka import KafkaRecord, decode, encode
from events.registry import Registry
from services.kit.db import Connection


async def is_pending(conn: Connection, schema: str, command_id: str) -> bool:
    """A command delivered again while it waits: it is already asked, nothing to do."""
    found = await conn.fetchval(
        f"SELECT 1 FROM {schema}.pending_commands WHERE command_id = $1", command_id
    )
    return found is not None


async def pending_among(conn: Connection, schema: str, command_ids: Sequence[str]) -> set[str]:
    """`is_pending` for a batch's commands, in one statement."""
    rows = await conn.fetch(
        f"SELECT command_id FROM {schema}.pending_commands WHERE command_id = ANY($1::text[])",
        list(command_ids),
    )
    return {row["command_id"] for row in rows}


async def keep_pending(conn: Connection, schema: str, commands: Sequence[Envelope[Any]]) -> None:
    """Each command as it came in (its id, actor and correlation are its answer's)."""
    rows = [(c.id, c.subject, encode(c)) for c in commands]
    await conn.executemany(
        f"INSERT INTO {schema}.pending_commands"
        " (command_id, stream_id, key, value, header_keys, header_values)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (command_id) DO NOTHING",
        [
            (cid, stream, r.key, r.value, [k for k, _ in r.headers], [v for _, v in r.headers])
            for cid, stream, r in rows
        ],
    )


async def take_pending(
    conn: Connection, schema: str, stream_id: str, registry: Registry
) -> list[Envelope[Any]]:
    """The stream's pending commands, oldest first, no longer pending once the caller commits."""
    rows = await conn.fetch(
        f"DELETE FROM {schema}.pending_commands WHERE stream_id = $1"
        " RETURNING command_id, pending_since, key, value, header_keys, header_values",
        stream_id,
    )
    ordered = sorted(rows, key=lambda r: (r["pending_since"], r["command_id"]))
    return [decode(_record(row), registry) for row in ordered]


def _record(row: Any) -> KafkaRecord:
    headers = list(zip(row["header_keys"], row["header_values"], strict=True))
    return KafkaRecord(row["key"], row["value"], headers)
