"""Embargoes: the calendar, and one recipient's embargoed copy."""

from __future__ import annotations

import json
from typing import Any

from services.kit.db import Db
from services.read_models import tables

CALENDAR_COLUMNS = ", ".join(tables.EMBARGO_CALENDAR)
MAX_LIMIT = 500
# Copies are readable only while the embargo holds: after a cancel they are void, after the
# lift the public feed serves the release.
ACTIVE = ["scheduled", "deferred"]


async def embargo_calendar(
    db: Db, organisation: str, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The organisation's embargoes: those still to lift first, the next first; then the lifted
    and cancelled ones, the latest first. (By lift time alone, a press office's past embargoes
    filled the first pages and hid the next one to lift.)"""
    rows = await db.fetch(
        f"SELECT {CALENDAR_COLUMNS} FROM projections.embargo_calendar"
        " WHERE lead_organisation = $1 AND ($2::text IS NULL OR status = $2)"
        " ORDER BY status = ANY($5::text[]) DESC,"
        " CASE WHEN status = ANY($5::text[]) THEN lift_at END, lift_at DESC, release_id"
        " LIMIT $3 OFFSET $4",
        organisation,
        status,
        max(0, min(limit, MAX_LIMIT)),
        max(0, offset),
        ACTIVE,
    )
    return [dict(row) for row in rows]


async def embargoed_copy(db: Db, release_id: str, recipient: str) -> dict[str, Any] | None:
    """The copy `recipient` holds of an embargo still in force, with the content of exactly the
    revision it names; None otherwise (no copy, cancelled, lifted, revision not yet projected)."""
    row = await db.fetchrow(
        "SELECT c.release_id, c.recipient, c.revision, c.content_hash, c.issued_at,"
        " r.embargo_lift_at AS embargoed_until, v.content"
        " FROM projections.embargoed_copies c"
        " JOIN projections.releases r ON r.release_id = c.release_id"
        " JOIN projections.release_revisions v"
        "   ON v.release_id = c.release_id AND v.revision = c.revision"
        "   AND v.content_hash = c.content_hash"
        " WHERE c.release_id = $1 AND c.recipient = $2 AND r.embargo_status = ANY($3::text[])",
        release_id,
        recipient,
        ACTIVE,
    )
    if row is None:
        return None
    copy = dict(row)
    if isinstance(copy["content"], str):
        copy["content"] = json.loads(copy["content"])
    return copy
