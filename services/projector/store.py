"""asyncpg writes of the read models; call inside the batch's one transaction."""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from asyncpg import Record

from services.kit.db import Db
from services.projector import fencing
from services.projector.batch import BatchPlan, DeadLetter
from services.projector.bulk import (
    JSON_COLUMNS,
    BulkDb,
    Existing,
    copy_rows,
    encoder,
    execute_each,
    first_of_each,
    history_key,
    last_of_each,
    row_fields,
    row_values,
)
from services.projector.delivery_store import apply_delivery_changes
from services.projector.embargo_copies import RevisionRow
from services.projector.embargo_store import (
    apply_copy_changes,
    insert_revisions,
    replace_calendar,
    revision_params,
)
from services.projector.fencing import Partition
from services.projector.history import HistoryRow
from services.projector.inbox import InboxRow, inbox_rows
from services.projector.new_releases import ReleasesBegunElsewhere
from services.projector.outcomes import OutcomeRow
from services.projector.public_store import apply_public_changes
from services.projector.release_row import ReleaseRow
from services.projector.unnest_sql import Rows, UnnestInsert, UnnestUpdate
from services.read_models.tables import ADVANCED_CHANNEL as NOTIFY_CHANNEL

__all__ = ["JSON_COLUMNS", "NOTIFY_CHANNEL", "Existing", "ProjectionStore", "row_values"]

RELEASE_COLUMNS = tuple(f.name for f in fields(ReleaseRow))
HISTORY_COLUMNS = row_fields(HistoryRow)
OUTCOME_COLUMNS = tuple(f.name for f in fields(OutcomeRow))
INBOX_COLUMNS = tuple(f.name for f in fields(InboxRow))
_release_params = encoder(RELEASE_COLUMNS)
_history_params = encoder(HISTORY_COLUMNS)
_outcome_params = encoder(OUTCOME_COLUMNS)


def _upsert_set(columns: tuple[str, ...], key: str) -> str:
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns if name != key)
    return f"ON CONFLICT ({key}) DO UPDATE SET {updates}"


_RELEASES_UPSERT = UnnestInsert("releases", ReleaseRow, _upsert_set(RELEASE_COLUMNS, "release_id"))
_RELEASES_UPDATE = UnnestUpdate("releases", ReleaseRow, "release_id")
_NEW_RELEASES_INSERT = UnnestInsert(
    "releases", ReleaseRow, "ON CONFLICT (release_id) DO NOTHING RETURNING release_id"
)
_REVISIONS_INSERT = UnnestInsert(
    "release_revisions", RevisionRow, "ON CONFLICT (release_id, revision) DO NOTHING"
)
_HISTORY_INSERT = UnnestInsert(
    "release_history", HistoryRow, "ON CONFLICT (release_id, service, stream_version) DO NOTHING"
)
_OUTCOMES_UPSERT = UnnestInsert(
    "command_outcomes", OutcomeRow, _upsert_set(OUTCOME_COLUMNS, "command_id")
)


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

    async def lock_releases_held(
        self, db: Db, consumer: str, held: Mapping[Partition, int], release_ids: Iterable[str]
    ) -> dict[str, ReleaseRow]:
        """`lock_releases`, in the statement that checks first that `consumer` still holds every
        partition at its epoch (fencing.py): refused, it raises PartitionsFenced having locked
        no release row. One round trip where the check and the load were two (issue 15)."""
        columns = ", ".join(RELEASE_COLUMNS)
        rows = await db.fetch(
            f"WITH {fencing.verdict_ctes(self.schema)}, locked AS MATERIALIZED"
            f" (SELECT {columns} FROM {self.schema}.releases WHERE release_id = ANY($5::text[])"
            " AND (SELECT fence_held FROM verdict) ORDER BY release_id FOR UPDATE)"
            " SELECT * FROM verdict LEFT JOIN locked ON true",
            *fencing.verdict_args(consumer, held),
            sorted(release_ids),
        )
        fencing.raise_unless_held(held, rows[0])
        return {
            row["release_id"]: _release_row(row) for row in rows if row["release_id"] is not None
        }

    async def upsert_releases(
        self, db: BulkDb, rows: Collection[ReleaseRow], existing: Existing
    ) -> None:
        """Writes whole rows (the fold already decided what each one is now): updates those the
        table holds, COPY for the rest. The live projector writes them in its offsets'
        statement (`write_batch`)."""
        old, new = _split(rows, existing)
        await execute_each(
            db,
            _update(f"{self.schema}.releases", RELEASE_COLUMNS, "release_id"),
            [_release_params(row_values(row)) for row in old],
        )
        params = [_release_params(row_values(row)) for row in new]
        await copy_rows(db, self.schema, "releases", RELEASE_COLUMNS, params)

    async def claim_new_releases(self, db: Db, rows: Collection[ReleaseRow]) -> None:
        """Writes the rows of releases the table did not hold when the batch locked its rows,
        before anything else of the batch; raises ReleasesBegunElsewhere when another writer
        committed one meanwhile (new_releases.py). In id order, so two such batches wait on
        each other in one order."""
        if not rows:
            return
        ordered = sorted(rows, key=lambda row: row.release_id)
        params = [_release_params(row_values(row)) for row in ordered]
        written = await db.fetch(
            _NEW_RELEASES_INSERT.sql(self.schema, 1), *_NEW_RELEASES_INSERT.params(params)
        )
        beaten = {row.release_id for row in ordered} - {row["release_id"] for row in written}
        if beaten:
            raise ReleasesBegunElsewhere(beaten)

    async def replace_inbox(
        self,
        db: BulkDb,
        releases: Collection[ReleaseRow],
        existing: Existing | None = None,
        stored: Collection[str] | None = None,
    ) -> None:
        """Rewrites the inbox rows of changed releases: they derive from the release row alone."""
        if not releases:
            return
        old, _ = _split(releases, existing, stored)
        if old:  # a release new to the table has no inbox rows to drop
            await db.execute(
                f"DELETE FROM {self.schema}.approval_inbox WHERE release_id = ANY($1::text[])",
                [release.release_id for release in old],
            )
        rows = [row_values(row) for release in releases for row in inbox_rows(release)]
        if existing is None:
            await execute_each(db, _insert(f"{self.schema}.approval_inbox", INBOX_COLUMNS), rows)
        else:
            await copy_rows(db, self.schema, "approval_inbox", INBOX_COLUMNS, rows)

    async def insert_history(
        self, db: BulkDb, rows: Iterable[HistoryRow], existing: Existing
    ) -> None:
        """Adds timeline rows by COPY; one already there (a replay) is left as it is."""
        new = first_of_each(rows, history_key, existing.history)
        params = [_history_params(row_values(row)) for row in new]
        await copy_rows(db, self.schema, "release_history", HISTORY_COLUMNS, params)

    async def upsert_outcomes(
        self, db: BulkDb, rows: Sequence[OutcomeRow], existing: Existing
    ) -> None:
        """Records command outcomes (a repeated command id has the same outcome anyway):
        upserts those the table holds, COPY for the rest."""
        held = existing.outcomes
        await execute_each(
            db,
            _upsert(f"{self.schema}.command_outcomes", OUTCOME_COLUMNS, "command_id"),
            [_outcome_params(row_values(row)) for row in rows if row.command_id in held],
        )
        new = last_of_each((row for row in rows if row.command_id not in held), _command)
        params = [_outcome_params(row_values(row)) for row in new]
        await copy_rows(db, self.schema, "command_outcomes", OUTCOME_COLUMNS, params)

    async def insert_dead_letters(self, db: Db, letters: Iterable[DeadLetter]) -> None:
        """Parks records the projector cannot use, with the reason; a replay parks them once."""
        await execute_each(
            db,
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
        self,
        db: Db,
        consumer: str,
        next_offsets: Mapping[tuple[str, int], int],
        notice: Mapping[str, Any] | None = None,
        riders: Sequence[Rows] = (),
    ) -> None:
        """Records how far the batch got, in the same transaction as its effects. With `notice`,
        the same statement wakes read-your-writes waiters (`notify_advanced`); `riders`, rows of
        other tables, go in with it too (`unnest_sql.UnnestInsert`, a CTE each): one round trip
        where there was one per table (issue 15, docs/benchmarks.md)."""
        riders = [(insert, rows) for insert, rows in riders if rows]
        if not (next_offsets or notice is not None or riders):
            return
        partitions = list(next_offsets)
        args: list[Any] = [
            consumer,
            [topic for topic, _ in partitions],
            [partition for _, partition in partitions],
            [next_offsets[key] for key in partitions],
            NOTIFY_CHANNEL,
            None if notice is None else json.dumps(notice),
        ]
        written = []
        for n, (insert, rows) in enumerate(riders):
            written.append(f"w{n} AS ({insert.sql(self.schema, len(args) + 1)}), ")
            args += insert.params(rows)
        await db.execute(
            f"WITH {''.join(written)}stored AS (INSERT INTO {self.schema}.consumer_offsets"
            " (consumer, topic, partition, next_offset, updated_at)"
            " SELECT $1, topic, partition, next_offset, now()"
            " FROM unnest($2::text[], $3::int[], $4::bigint[]) AS o(topic, partition, next_offset)"
            " ON CONFLICT (consumer, topic, partition)"
            " DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now())"
            " SELECT pg_notify($5, $6) WHERE $6::text IS NOT NULL",
            *args,
        )

    async def write_batch(
        self,
        db: BulkDb,
        consumer: str,
        plan: BatchPlan,
        existing: Existing | None = None,
        *,
        stored: Collection[str] | None = None,
        notice: Mapping[str, Any] | None = None,
    ) -> None:
        """Everything a batch changes, its offsets included. `existing` (a sole writer that
        began on empty tables): the batch's keys the tables already hold; every other row goes
        in by COPY, with the same result as the upserts (see services/projector/bulk.py).
        `stored` (a writer beside others, which locked them): the releases the table held
        before the batch; the others' rows are claimed first (`claim_new_releases`, which may
        raise ReleasesBegunElsewhere) and their derived rows are not deleted first. `notice`:
        see `store_offsets`."""
        releases = plan.releases.values()
        riders: list[Rows] = []
        if existing is None:  # live: the tables of whole rows ride in the offsets' statement
            rider = _releases_rider(releases, stored)
            if stored is not None:
                await self.claim_new_releases(
                    db, [row for row in releases if row.release_id not in stored]
                )
            riders = [rider, *_whole_rows(plan)]
        else:
            await self.upsert_releases(db, releases, existing)
            await insert_revisions(db, self.schema, plan.revisions, existing)
            await self.insert_history(db, plan.history, existing)
            await self.upsert_outcomes(db, plan.outcomes, existing)
        await self.replace_inbox(db, releases, existing, stored)
        await replace_calendar(db, self.schema, releases, existing, stored)
        await apply_copy_changes(db, self.schema, plan.copies)
        await apply_public_changes(db, self.schema, plan.public)
        await apply_delivery_changes(db, self.schema, plan.deliveries)
        await self.insert_dead_letters(db, plan.dead_letters)
        await self.store_offsets(db, consumer, plan.next_offsets, notice, riders)

    async def notify_advanced(self, db: Db, payload: Mapping[str, Any]) -> None:
        """Wakes read-your-writes waiters; NOTIFY is delivered when the transaction commits."""
        await db.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, json.dumps(payload))


def _releases_rider(releases: Iterable[ReleaseRow], stored: Collection[str] | None) -> Rows:
    """The rows a live batch writes with its offsets: with `stored`, an UPDATE of those the
    table held (new ones are claimed first); without, any row may be held, so all upserted."""
    if stored is None:
        return (_RELEASES_UPSERT, [_release_params(row_values(row)) for row in releases])
    held = [_release_params(row_values(row)) for row in releases if row.release_id in stored]
    return (_RELEASES_UPDATE, held)


def _whole_rows(plan: BatchPlan) -> list[Rows]:
    """A live batch's revisions, timeline rows and outcomes, as the inserts and upserts row by
    row would write them (of two outcomes of one command id the last, of two revisions or
    timeline rows of one key the first: an upsert may not touch a row twice in one
    statement)."""
    outcomes = last_of_each(plan.outcomes, _command)
    return [
        (_REVISIONS_INSERT, [revision_params(row) for row in plan.revisions]),
        (_HISTORY_INSERT, [_history_params(row_values(row)) for row in plan.history]),
        (_OUTCOMES_UPSERT, [_outcome_params(row_values(row)) for row in outcomes]),
    ]


def _command(row: OutcomeRow) -> str:
    return row.command_id


def _split(
    releases: Collection[ReleaseRow],
    existing: Existing | None,
    stored: Collection[str] | None = None,
) -> tuple[list[ReleaseRow], list[ReleaseRow]]:
    """(rows the table holds, rows new to it); knowing neither `existing` nor `stored`, every
    row may be held."""
    if existing is None and stored is not None:
        return [r for r in releases if r.release_id in stored], []
    if existing is None:
        return list(releases), []
    held = existing.releases
    return (
        [row for row in releases if row.release_id in held],
        [row for row in releases if row.release_id not in held],
    )


def _insert(table: str, columns: tuple[str, ...]) -> str:
    placeholders = ", ".join(
        f"${i}::jsonb" if name in JSON_COLUMNS else f"${i}" for i, name in enumerate(columns, 1)
    )
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"


def _upsert(table: str, columns: tuple[str, ...], key: str) -> str:
    return f"{_insert(table, columns)} {_upsert_set(columns, key)}"


def _update(table: str, columns: tuple[str, ...], key: str) -> str:
    """An UPDATE taking the same parameters as `_insert` (the key's among them)."""
    sets = ", ".join(
        f"{name} = ${i}::jsonb" if name in JSON_COLUMNS else f"{name} = ${i}"
        for i, name in enumerate(columns, 1)
        if name != key
    )
    return f"UPDATE {table} SET {sets} WHERE {key} = ${columns.index(key) + 1}"


def _release_row(row: Record) -> ReleaseRow:
    values = {column: row[column] for column in RELEASE_COLUMNS}
    values["content"] = json.loads(values["content"])
    values["versions"] = json.loads(values["versions"])
    values["approval_stages"] = json.loads(values["approval_stages"])
    values["organisations"] = tuple(values["organisations"])
    values["collaborators"] = tuple(values["collaborators"])
    return ReleaseRow(**values)


def _dead_letter_params(letter: DeadLetter) -> tuple[Any, ...]:
    record = letter.record
    headers = [{"key": k, "value": _b64(v)} for k, v in record.headers]
    return (
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        json.dumps(headers),
        letter.reason.replace("\x00", "\\0"),  # a reason may quote a header; text holds no NUL
    )


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")
