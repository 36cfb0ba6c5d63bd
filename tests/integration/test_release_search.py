"""`releases.search` follows the release's text and is computed only when the text changes
(services/projector/migrations/009_search_on_text_change.sql), on the real PostgreSQL: after a
creation, a revision and a status change alike it is what the text's expression gives, through
the live projector's writes and a rebuild's COPY. A table from before, with the generated
column, keeps its vectors when migrated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from events.base import Message
from events.drafting import DraftRevised, DraftSubmitted
from events.envelope import Envelope
from events.schemas.examples import RELEASE_ID
from services.kit.migrations import SCHEMA_PLACEHOLDER, apply_migrations
from services.projector.bootstrap import MIGRATIONS, SCHEMA
from services.projector.store import ProjectionStore
from tests.integration.test_projector_round_trips import dsn, project_live, the_release_s_story

pytestmark = pytest.mark.integration
__all__ = ["dsn"]  # a database of its own (the fixture), no table in it until a test migrates
SEARCH_OF_TEXT = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce(summary, '')), 'B')"
    " || setweight(to_tsvector('english', coalesce(body, '')), 'C')"
)


@pytest_asyncio.fixture
async def conn(dsn: str) -> AsyncIterator[asyncpg.Connection[Any]]:
    connection = await asyncpg.connect(dsn)
    try:
        yield connection
    finally:
        await connection.close()


async def search_of(conn: asyncpg.Connection[Any], schema: str = SCHEMA) -> tuple[str, bool]:
    """(the row's search vector, whether it is what its text gives now)."""
    row = await conn.fetchrow(
        f"SELECT search::text AS search, search = ({SEARCH_OF_TEXT}) AS current"
        f" FROM {schema}.releases WHERE release_id = $1",
        RELEASE_ID,
    )
    assert row is not None
    return row["search"], row["current"]


async def test_the_search_vector_follows_the_text_through_live_writes(
    conn: asyncpg.Connection[Any],
) -> None:
    await apply_migrations(conn, SCHEMA, MIGRATIONS)
    story = the_release_s_story()
    revised = next(n for n, e in enumerate(story) if isinstance(e.data, DraftRevised))
    submitted = next(n for n, e in enumerate(story) if isinstance(e.data, DraftSubmitted))

    await project_live(conn, story[:1], first_offset=0)
    created, current = await search_of(conn)
    assert current and "'hammond'" in created  # in the body only

    await project_live(conn, [_with_body(story[revised], "Talks moved to Kyoto.")], first_offset=1)
    after_revision, current = await search_of(conn)
    assert current and "'kyoto'" in after_revision and "'hammond'" not in after_revision

    await project_live(conn, story[submitted : submitted + 1], first_offset=2)
    after_submission, current = await search_of(conn)
    assert current and after_submission == after_revision
    status = await conn.fetchval(
        "SELECT drafting_status FROM projections.releases WHERE release_id = $1", RELEASE_ID
    )
    assert status == "submitted"  # the row was written, the text left as it was


async def test_rows_copied_into_a_rebuilt_schema_get_their_search_vector(
    conn: asyncpg.Connection[Any],
) -> None:
    await apply_migrations(conn, SCHEMA, MIGRATIONS)
    await project_live(conn, the_release_s_story()[:1], first_offset=0)
    live, _ = await search_of(conn)
    shadow = "projections_shadow_search"
    await apply_migrations(conn, shadow, MIGRATIONS)
    columns = ", ".join(c for c in await _columns(conn) if c != "search")
    rows = await conn.fetch(f"SELECT {columns} FROM projections.releases")
    await conn.copy_records_to_table(
        "releases", records=[tuple(r) for r in rows], columns=columns.split(", "),
        schema_name=shadow,
    )  # fmt: skip
    assert await search_of(conn, shadow) == (live, True)
    assert ProjectionStore(shadow).schema == shadow


async def test_a_table_with_the_generated_column_keeps_its_vectors_when_migrated(
    conn: asyncpg.Connection[Any],
) -> None:
    before = sorted(
        f.name
        for f in resources.files(MIGRATIONS).iterdir()
        if f.name.endswith(".sql") and f.name < "009"
    )
    await conn.execute(f"CREATE SCHEMA {SCHEMA}")
    for name in before:  # the tables as a deployment from before has them
        sql = resources.files(MIGRATIONS).joinpath(name).read_text("utf-8")
        await conn.execute(sql.replace(SCHEMA_PLACEHOLDER, SCHEMA))
    assert await _generated(conn) == "ALWAYS"
    await project_live(conn, the_release_s_story()[:1], first_offset=0)
    generated, _ = await search_of(conn)

    await apply_migrations(conn, SCHEMA, MIGRATIONS)
    assert await _generated(conn) == "NEVER"
    assert await search_of(conn) == (generated, True)


def _with_body(envelope: Envelope[Message], body: str) -> Envelope[Message]:
    revised = envelope.data
    assert isinstance(revised, DraftRevised)
    content = revised.content.model_copy(update={"body": body})
    return envelope.model_copy(update={"data": revised.model_copy(update={"content": content})})


async def _columns(conn: asyncpg.Connection[Any]) -> list[str]:
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'projections' AND table_name = 'releases' ORDER BY ordinal_position"
    )
    return [row["column_name"] for row in rows]


async def _generated(conn: asyncpg.Connection[Any]) -> str:
    return str(
        await conn.fetchval(
            "SELECT is_generated FROM information_schema.columns WHERE table_schema = $1"
            " AND table_name = 'releases' AND column_name = 'search'",
            SCHEMA,
        )
    )
