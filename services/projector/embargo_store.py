"""asyncpg writes of the embargo read models; called by ProjectionStore.write_batch."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import fields
from typing import Any

from services.kit.db import Db
from services.projector.bulk import (
    BulkDb,
    Existing,
    copy_rows,
    execute_each,
    first_of_each,
    json_text,
    revision_key,
    row_fields,
)
from services.projector.embargo_copies import CopyChanges, CopyRow, RevisionRow
from services.projector.embargoes import CalendarRow, calendar_rows
from services.projector.release_row import ReleaseRow

CALENDAR_COLUMNS = tuple(f.name for f in fields(CalendarRow))
COPY_COLUMNS = tuple(f.name for f in fields(CopyRow))
REVISION_COLUMNS = row_fields(RevisionRow)


async def replace_calendar(
    db: BulkDb,
    schema: str,
    releases: Collection[ReleaseRow],
    existing: Existing | None = None,
    stored: Collection[str] | None = None,
) -> None:
    """Rewrites the calendar rows of changed releases: they derive from the release row alone.
    `stored`: the releases the table held before the batch (see ProjectionStore.write_batch)."""
    if not releases:
        return
    known = existing.releases if existing is not None else stored
    held = [r.release_id for r in releases if known is None or r.release_id in known]
    if held:  # a release new to the table has no calendar row to drop
        await db.execute(
            f"DELETE FROM {schema}.embargo_calendar WHERE release_id = ANY($1::text[])", held
        )
    rows = [_values(row) for release in releases for row in calendar_rows(release)]
    if existing is None:
        await execute_each(db, _insert(f"{schema}.embargo_calendar", CALENDAR_COLUMNS), rows)
    else:
        await copy_rows(db, schema, "embargo_calendar", CALENDAR_COLUMNS, rows)


def revision_params(row: RevisionRow) -> tuple[Any, ...]:
    return row.release_id, row.revision, row.content_hash, json_text(row.content)


async def insert_revisions(
    db: BulkDb, schema: str, rows: Iterable[RevisionRow], existing: Existing
) -> None:
    """Adds revisions by COPY, but those already there (a replay): revisions never change. The
    live projector writes them in its offsets' statement (ProjectionStore.write_batch)."""
    new = first_of_each(rows, revision_key, existing.revisions)
    await copy_rows(
        db, schema, "release_revisions", REVISION_COLUMNS, [revision_params(r) for r in new]
    )


async def apply_copy_changes(db: Db, schema: str, changes: Mapping[str, CopyChanges]) -> None:
    """Drops the copies a batch voided, then writes the ones it issued."""
    table = f"{schema}.embargoed_copies"
    cleared = [release_id for release_id, change in changes.items() if change.clear]
    if cleared:
        await db.execute(f"DELETE FROM {table} WHERE release_id = ANY($1::text[])", cleared)
    await execute_each(
        db,
        f"DELETE FROM {table} WHERE release_id = $1 AND NOT (recipient = ANY($2::text[]))",
        [
            (release_id, sorted(change.keep_only))
            for release_id, change in changes.items()
            if change.keep_only is not None
        ],
    )
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in COPY_COLUMNS[2:])
    await execute_each(
        db,
        _insert(table, COPY_COLUMNS)
        + f" ON CONFLICT (release_id, recipient) DO UPDATE SET {updates}",
        [_values(copy) for change in changes.values() for copy in change.issued.values()],
    )


def _insert(table: str, columns: tuple[str, ...]) -> str:
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"


def _values(row: CalendarRow | CopyRow) -> tuple[object, ...]:
    return tuple(getattr(row, f.name) for f in fields(row))
