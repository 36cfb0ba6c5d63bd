"""asyncpg writes of the read models; call inside the batch's one transaction."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from asyncpg import Record

from services.projector.batch import BatchPlan, DeadLetter
from services.projector.db import Db
from services.projector.embargo_store import (
    apply_copy_changes,
    insert_revisions,
    replace_calendar,
)
from services.projector.history import HistoryRow
from services.projector.inbox import InboxRow, inbox_rows
from services.projector.outcomes import OutcomeRow
from services.projector.public_store import apply_public_changes
from services.projector.release_row import ReleaseRow

NOTIFY_CHANNEL = "projections_advanced"
RELEASE_COLUMNS = tuple(f.name for f in fields(ReleaseRow))
HISTORY_COLUMNS = tuple(f.name for f in fields(HistoryRow))
OUTCOME_COLUMNS = tuple(f.name for f in fields(OutcomeRow))
INBOX_COLUMNS = tuple(f.name for f in fields(InboxRow))
JSON_COLUMNS = frozenset({"content", "versions", "approval_stages", "data", "events", "problem"})


@dataclass(frozen=True)
class ProjectionStore:
    """The tables of one projections schema (a shadow schema for rebuilds works the same)."""

    schema: str = "projections"

    async def lock_releases(self, db: Db, release_ids: Iterable[str]) -> dict[str, ReleaseRow]:
        """Loads the rows a batch will fold, locked so a stale owner cannot overwrite them."""
        columns = ", ".join(RELEASE_COLUMNS)
        rows = await db.fetch(
            f"SELECT {columns} FROM {self.schema}.releases WHERE release_id = ANY($1::text[])"
            " ORDER BY release_id FOR UPDATE",
            sorted(release_ids),
        )
        return {row["release_id"]: _release_row(row) for row in rows}

    async def upsert_releases(self, db: Db, rows: Iterable[ReleaseRow]) -> None:
        """Writes whole rows: the fold already decided what each one is now."""
        await db.executemany(
            _upsert(f"{self.schema}.releases", RELEASE_COLUMNS, "release_id"),
            [_params(RELEASE_COLUMNS, row_values(row)) for row in rows],
        )

    async def replace_inbox(self, db: Db, releases: Iterable[ReleaseRow]) -> None:
        """Rewrites the inbox rows of changed releases: they derive from the release row alone."""
        changed = list(releases)
        if not changed:
            return
        await db.execute(
            f"DELETE FROM {self.schema}.approval_inbox WHERE release_id = ANY($1::text[])",
            [release.release_id for release in changed],
        )
        await db.executemany(
            _insert(f"{self.schema}.approval_inbox", INBOX_COLUMNS),
            [row_values(row) for release in changed for row in inbox_rows(release)],
        )

    async def insert_history(self, db: Db, rows: Iterable[HistoryRow]) -> None:
        """Adds timeline rows; one already there (a replay) is left as it is."""
        sql = _insert(f"{self.schema}.release_history", HISTORY_COLUMNS)
        await db.executemany(
            sql + " ON CONFLICT (release_id, service, stream_version) DO NOTHING",
            [_params(HISTORY_COLUMNS, row_values(row)) for row in rows],
        )

    async def upsert_outcomes(self, db: Db, rows: Iterable[OutcomeRow]) -> None:
        """Records command outcomes; a repeated command id has the same outcome anyway."""
        await db.executemany(
            _upsert(f"{self.schema}.command_outcomes", OUTCOME_COLUMNS, "command_id"),
            [_params(OUTCOME_COLUMNS, row_values(row)) for row in rows],
        )

    async def insert_dead_letters(self, db: Db, letters: Iterable[DeadLetter]) -> None:
        """Parks records the projector cannot use, with the reason; a replay parks them once."""
        await db.executemany(
            f"INSERT INTO {self.schema}.dead_letters"
            ' (topic, partition, "offset", key, value, headers, reason)'
            " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)"
            ' ON CONFLICT (topic, partition, "offset") DO NOTHING',
            [_dead_letter_params(letter) for letter in letters],
        )

    async def load_offsets(
        self, db: Db, consumer: str, topics: Iterable[str]
    ) -> dict[tuple[str, int], int]:
        """The next offset to read per (topic, partition), as the last committed batch left it."""
        rows = await db.fetch(
            f"SELECT topic, partition, next_offset FROM {self.schema}.consumer_offsets"
            " WHERE consumer = $1 AND topic = ANY($2::text[])",
            consumer,
            list(topics),
        )
        return {(row["topic"], row["partition"]): row["next_offset"] for row in rows}

    async def store_offsets(
        self, db: Db, consumer: str, next_offsets: Mapping[tuple[str, int], int]
    ) -> None:
        """Records how far the batch got, in the same transaction as its effects."""
        await db.executemany(
            f"INSERT INTO {self.schema}.consumer_offsets"
            " (consumer, topic, partition, next_offset, updated_at) VALUES ($1, $2, $3, $4, now())"
            " ON CONFLICT (consumer, topic, partition)"
            " DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()",
            [(consumer, topic, partition, n) for (topic, partition), n in next_offsets.items()],
        )

    async def write_batch(self, db: Db, consumer: str, plan: BatchPlan) -> None:
        """Everything a batch changes, its offsets included."""
        await self.upsert_releases(db, plan.releases.values())
        await self.replace_inbox(db, plan.releases.values())
        await replace_calendar(db, self.schema, plan.releases.values())
        await insert_revisions(db, self.schema, plan.revisions)
        await apply_copy_changes(db, self.schema, plan.copies)
        await apply_public_changes(db, self.schema, plan.public)
        await self.insert_history(db, plan.history)
        await self.upsert_outcomes(db, plan.outcomes)
        await self.insert_dead_letters(db, plan.dead_letters)
        await self.store_offsets(db, consumer, plan.next_offsets)

    async def notify_advanced(self, db: Db, payload: Mapping[str, Any]) -> None:
        """Wakes read-your-writes waiters; NOTIFY is delivered when the transaction commits."""
        await db.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, json.dumps(payload))


def row_values(row: Any) -> tuple[Any, ...]:
    """A row dataclass's values, shallow: dataclasses.astuple deep-copies every nested dict and
    list, which was half of a rebuild's time; the values are only serialised afterwards."""
    return tuple(getattr(row, f.name) for f in fields(row))


def _insert(table: str, columns: tuple[str, ...]) -> str:
    placeholders = ", ".join(
        f"${i}::jsonb" if name in JSON_COLUMNS else f"${i}" for i, name in enumerate(columns, 1)
    )
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"


def _upsert(table: str, columns: tuple[str, ...], key: str) -> str:
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns if name != key)
    return f"{_insert(table, columns)} ON CONFLICT ({key}) DO UPDATE SET {updates}"


def _params(columns: tuple[str, ...], values: tuple[Any, ...]) -> tuple[Any, ...]:
    # No json codec is assumed on the connection: jsonb travels as text, cast in SQL.
    return tuple(
        json.dumps(value) if name in JSON_COLUMNS and value is not None else value
        for name, value in zip(columns, values, strict=True)
    )


def _release_row(row: Record) -> ReleaseRow:
    values = dict(row)
    values["content"] = json.loads(values["content"])
    values["versions"] = json.loads(values["versions"])
    values["approval_stages"] = json.loads(values["approval_stages"])
    values["organisations"] = tuple(values["organisations"])
    values["collaborators"] = tuple(values["collaborators"])
    return ReleaseRow(**values)


def _dead_letter_params(letter: DeadLetter) -> tuple[Any, ...]:
    record = letter.record
    headers = [{"key": k, "value": base64.b64encode(v).decode("ascii")} for k, v in record.headers]
    return (
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        json.dumps(headers),
        letter.reason,
    )
