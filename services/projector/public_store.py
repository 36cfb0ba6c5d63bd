"""asyncpg writes of `public_feed`, inside the batch's one transaction; a replay changes nothing
(each write applies only a newer publication stream version than the row has)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from services.kit.db import Db
from services.projector.public_feed import PublicChange, PublicEdition, PublicState

_EDITION_SQL = """
INSERT INTO {t} AS row (release_id, slug, slug_if_taken, edition, title, summary, body,
    organisations, first_published_at, public_updated_at, change_history, state, state_changed_at,
    stream_version, language, people, locations, topics)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, 'published', $12, $13, $14, $15,
    $16, $17)
ON CONFLICT (release_id) DO UPDATE SET
    edition = EXCLUDED.edition, title = EXCLUDED.title, summary = EXCLUDED.summary,
    body = EXCLUDED.body, organisations = EXCLUDED.organisations,
    language = EXCLUDED.language, people = EXCLUDED.people, locations = EXCLUDED.locations,
    topics = EXCLUDED.topics,
    public_updated_at = EXCLUDED.public_updated_at, change_history = EXCLUDED.change_history,
    state = 'published', state_changed_at = EXCLUDED.state_changed_at,
    stream_version = EXCLUDED.stream_version
WHERE row.stream_version < EXCLUDED.stream_version
"""
_STATE_SQL = """
UPDATE {t} SET state = $2, withdrawal_explanation = coalesce($3, withdrawal_explanation),
    redirect_url = $4, state_changed_at = $5, stream_version = $6
WHERE release_id = $1 AND stream_version < $6
"""


async def apply_public_changes(db: Db, schema: str, changes: Iterable[PublicChange]) -> None:
    """In log order: one release's edition, withdrawal and unpublishing apply as they happened."""
    table = f"{schema}.public_feed"
    for change in changes:
        match change:
            case PublicEdition():
                await db.execute(_EDITION_SQL.format(t=table), *_edition_params(change))
            case PublicState():
                await db.execute(
                    _STATE_SQL.format(t=table), change.release_id, change.state,
                    change.withdrawal_explanation, change.redirect_url,
                    change.state_changed_at, change.stream_version,
                )  # fmt: skip


def _edition_params(edition: PublicEdition) -> tuple[object, ...]:
    return (
        edition.release_id, edition.slug, edition.slug_if_taken, edition.edition, edition.title,
        edition.summary, edition.body, edition.organisations, edition.first_published_at,
        edition.public_updated_at, json.dumps(edition.change_history), edition.state_changed_at,
        edition.stream_version, edition.language, edition.people, edition.locations,
        edition.topics,
    )  # fmt: skip
