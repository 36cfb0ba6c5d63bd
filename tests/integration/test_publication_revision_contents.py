"""Publication keeps each revision's content as drafting's events go by, and looks up the content
of each one submitted: each a statement on its own, with no BEGIN and COMMIT round trips around
them (issue 15), and what was kept is found again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from events.content import ReleaseContent, content_hash
from services.kit.handler import CommandHandler
from services.kit.migrations import apply_migrations
from services.kit.settings import Settings
from services.publication.revision_contents import kept_and_found
from tests.integration.pg_faults import scratch_schema
from tests.integration.test_command_batches import StatementsSeen

pytestmark = pytest.mark.integration
PUBLICATION_SQL = "services.publication.migrations"


def content(title: str) -> ReleaseContent:
    return ReleaseContent(title=title, organisations=["fco"])


async def test_contents_are_kept_and_found_one_statement_each(infra: Settings) -> None:
    async with scratch_schema(infra, "contents") as (pool, schema):
        async with pool.acquire() as conn:
            await apply_migrations(conn, schema, PUBLICATION_SQL)
        watched = StatementsSeen(pool, schema)
        handler = cast(
            CommandHandler, SimpleNamespace(pool=watched, store=SimpleNamespace(schema=schema))
        )
        first, second = content("UK and Japan talks"), content("UK and Japan agree")
        written = [
            (("rel-a", 1, content_hash(first)), first),
            (("rel-a", 2, content_hash(second)), second),
        ]

        assert await kept_and_found(handler, written, []) == {}
        assert watched.seen == ["INSERT INTO"]

        watched.seen.clear()
        wanted = [("rel-a", 2, content_hash(second))]
        assert await kept_and_found(handler, [], wanted) == {wanted[0]: second}
        assert watched.seen == ["SELECT RELEASE_ID,"]

        watched.seen.clear()  # a revision seen again changes nothing, and is found as kept
        assert await kept_and_found(handler, written[:1], [written[0][0]]) == {written[0][0]: first}
        assert watched.seen == ["INSERT INTO", "SELECT RELEASE_ID,"]
