"""Releases: the status board, one release, its audit timeline, the approval inbox, command
outcomes, and how far a release's streams are projected. Plain dicts from `projections`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from asyncpg import Record

from services.kit.db import Db
from services.read_models import tables

RELEASE_COLUMNS = ", ".join(tables.RELEASES)
INBOX_COLUMNS = ", ".join(tables.APPROVAL_INBOX)
HISTORY_COLUMNS = (
    "id, release_id, service, stream_version, event_id, event_type, actor, occurred_at, summary,"
    " data, correlation_id, causation_id"
)
JSON_COLUMNS = frozenset({"content", "versions", "approval_stages", "data", "events", "problem"})
MAX_LIMIT = 500


async def get_release(db: Db, release_id: str) -> dict[str, Any] | None:
    """The release's current row, or None if the projector has not seen it."""
    row = await db.fetchrow(
        f"SELECT {RELEASE_COLUMNS} FROM projections.releases WHERE release_id = $1", release_id
    )
    return _as_dict(row) if row is not None else None


async def list_releases(
    db: Db,
    status: str | None = None,
    q: str | None = None,
    org: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The status board: filtered by status and organisation; with `q`, ranked by relevance."""
    # `org` matches any of the release's organisations, not only the lead one.
    where = (
        "($1::text IS NULL OR status = $1)"
        " AND ($2::text IS NULL OR organisations @> ARRAY[$2::text])"
        " AND ($3::text IS NULL OR search @@ websearch_to_tsquery('english', $3))"
    )
    order = (
        "ts_rank(search, websearch_to_tsquery('english', $3)) DESC, updated_at DESC, release_id"
        if q
        else "updated_at DESC, release_id"
    )
    rows = await db.fetch(
        f"SELECT {RELEASE_COLUMNS} FROM projections.releases WHERE {where}"
        f" ORDER BY {order} LIMIT $4 OFFSET $5",
        status,
        org,
        q or None,
        max(0, min(limit, MAX_LIMIT)),
        max(0, offset),
    )
    return [_as_dict(row) for row in rows]


async def release_history(db: Db, release_id: str) -> list[dict[str, Any]]:
    """The audit timeline of a release, oldest first."""
    rows = await db.fetch(
        f"SELECT {HISTORY_COLUMNS} FROM projections.release_history WHERE release_id = $1"
        " ORDER BY occurred_at, id",
        release_id,
    )
    return [_as_dict(row) for row in rows]


async def approval_inbox(
    db: Db,
    roles: Sequence[str],
    organisation: str | None,
    stage: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Open stages in `organisation` that one of `roles` may approve: actionable first, oldest
    deadline first, then oldest request."""
    if organisation is None or not roles:
        return []  # a stage's approvers always belong to the release's lead organisation
    rows = await db.fetch(
        f"SELECT {INBOX_COLUMNS} FROM projections.approval_inbox"
        " WHERE lead_organisation = $1 AND roles && $2::text[] AND ($3::text IS NULL OR stage = $3)"
        " ORDER BY opened DESC, deadline_at ASC NULLS LAST, requested_at, release_id, stage"
        " LIMIT $4 OFFSET $5",
        organisation,
        list(roles),
        stage,
        max(0, min(limit, MAX_LIMIT)),
        max(0, offset),
    )
    return [_as_dict(row) for row in rows]


async def command_outcome(db: Db, command_id: str) -> dict[str, Any] | None:
    """The recorded outcome of a command, or None if none has been projected yet."""
    row = await db.fetchrow(
        "SELECT command_id, command_type, release_id, status, stream_version, events, problem,"
        " received_at FROM projections.command_outcomes WHERE command_id = $1",
        command_id,
    )
    return _as_dict(row) if row is not None else None


def _as_dict(row: Record) -> dict[str, Any]:
    # jsonb arrives as text unless the caller set a codec: decode it either way.
    return {
        name: json.loads(value) if name in JSON_COLUMNS and isinstance(value, str) else value
        for name, value in row.items()
    }
