"""The public reads: the feed, newest first, and one release by its slug."""

from __future__ import annotations

import json
from typing import Any

from services.kit.db import Db
from services.read_models.tables import LISTED_PUBLIC_STATES

# The first release published under a slug holds it; a later one is at its `slug_if_taken`.
_PUBLIC_SLUG = (
    "CASE WHEN EXISTS (SELECT 1 FROM projections.public_feed AS earlier"
    " WHERE earlier.slug = f.slug AND (earlier.first_published_at, earlier.release_id)"
    " < (f.first_published_at, f.release_id)) THEN f.slug_if_taken ELSE f.slug END AS slug"
)
PUBLIC_COLUMNS = (
    f"f.release_id, {_PUBLIC_SLUG}, f.edition, f.title, f.summary, f.body, f.organisations,"
    " f.first_published_at, f.public_updated_at, f.change_history, f.state,"
    " f.withdrawal_explanation, f.redirect_url, f.state_changed_at,"
    " f.language, f.people, f.locations, f.topics, f.slug_if_taken"
)
MAX_LIMIT = 200


async def public_feed(db: Db, limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
    """What the public may read, the most recently updated first."""
    rows = await db.fetch(
        f"SELECT {PUBLIC_COLUMNS} FROM projections.public_feed AS f WHERE f.state = ANY($1::text[])"
        " ORDER BY f.public_updated_at DESC, f.release_id LIMIT $2 OFFSET $3",
        list(LISTED_PUBLIC_STATES),
        max(0, min(limit, MAX_LIMIT)),
        max(0, offset),
    )
    return [_public(row) for row in rows]


async def public_release(db: Db, slug: str) -> dict[str, Any] | None:
    """The release at `slug`, whatever its state: the route decides what each state shows."""
    rows = await db.fetch(
        f"SELECT {PUBLIC_COLUMNS} FROM projections.public_feed AS f"
        " WHERE f.slug = $1 OR f.slug_if_taken = $1",
        slug,
    )
    held = next((row for row in rows if row["slug"] == slug), None)
    # A release's permanent address (`slug_if_taken`) finds it even where it holds the plain
    # slug: the route redirects there.
    permanent = next((row for row in rows if row["slug_if_taken"] == slug), None)
    found = held or permanent
    return _public(found) if found is not None else None


def _public(row: Any) -> dict[str, Any]:
    values = dict(row)
    values["organisations"] = list(values["organisations"])
    values["change_history"] = json.loads(values["change_history"])
    return values
