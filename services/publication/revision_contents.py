"""What publication keeps of drafting's events: each revision's content, in a table of its own,
until the revision is submitted. Only a submitted revision can be approved and go public, so only
then is its content noted as an event (`NoteRevisionContent` → `RevisionContentNoted`), once per
submission. Noting every revision as an event cost a transaction, a Kafka record and three
consumers' work per draft written: about 30% of the stack's CPU per HTTP create (issue 15,
docs/benchmarks.md). The table is a copy of drafting.events, never the truth.

Drafting's events of one release share a partition, so a revision's DraftCreated or DraftRevised
is read before its DraftSubmitted; both in one batch, the content is kept before it is looked up."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog

from events.base import Message
from events.content import ReleaseContent
from events.drafting import DraftCreated, DraftRevised, DraftSubmitted
from events.envelope import Envelope
from events.publication import RevisionContentNoted
from services.kit.batches import Record
from services.kit.db import Connection
from services.kit.handler import CommandHandler
from services.kit.inbound import Inbound
from services.kit.policy import Policy, Reaction, decode_upstream
from services.kit.transient import until_done

log = structlog.get_logger()
# A revision's content is known by its release, its number and its hash.
ContentKey = tuple[str, int, str]
Written = tuple[ContentKey, ReleaseContent]
# A submitted revision's content, or None when it was noted as an event already.
Found = dict[ContentKey, ReleaseContent | None]


def contents_written(events: Sequence[Envelope[Message]]) -> list[Written]:
    """The content each created or revised draft wrote (pure)."""
    return [
        ((e.data.release_id, e.data.revision, e.data.content_hash), e.data.content)
        for e in events
        if isinstance(e.data, DraftCreated | DraftRevised)
    ]


def submitted(events: Sequence[Envelope[Message]]) -> list[ContentKey]:
    """The revisions submitted: the contents to look up (pure)."""
    return [
        (e.data.release_id, e.data.revision, e.data.content_hash)
        for e in events
        if isinstance(e.data, DraftSubmitted)
    ]


async def keep_and_find(
    conn: Connection, schema: str, written: list[Written], wanted: list[ContentKey]
) -> Found:
    """Keeps what was written (a revision seen again changes nothing), then reads the contents
    wanted: two statements, a third only for what is not kept. No transaction is needed: a row
    is written once and never changed, so a crash between them leaves nothing half done."""
    if written:
        await conn.execute(
            f"INSERT INTO {schema}.revision_contents (release_id, revision, content_hash, content)"
            " SELECT r, n, h, c::jsonb FROM unnest($1::text[], $2::int[], $3::text[], $4::text[])"
            " AS w(r, n, h, c) ON CONFLICT DO NOTHING",
            *_columns([key for key, _ in written]),
            [content.model_dump_json() for _, content in written],
        )
    if not wanted:
        return {}
    rows = await conn.fetch(
        f"SELECT release_id, revision, content_hash, content::text FROM {schema}.revision_contents"
        " JOIN unnest($1::text[], $2::int[], $3::text[]) AS w(release_id, revision, content_hash)"
        " USING (release_id, revision, content_hash)",
        *_columns(wanted),
    )
    found: Found = {
        (row[0], row[1], row[2]): ReleaseContent.model_validate_json(row[3]) for row in rows
    }
    missing = [key for key in wanted if key not in found]
    return found | dict.fromkeys(await _noted_already(conn, schema, missing)) if missing else found


async def _noted_already(conn: Connection, schema: str, keys: list[ContentKey]) -> list[ContentKey]:
    """Those noted as events before publication kept contents in a table (an upgrade)."""
    rows = await conn.fetch(
        f"SELECT e.stream_id, (e.data->>'revision')::int, e.data->>'content_hash'"
        f" FROM {schema}.events e"
        " JOIN unnest($1::text[], $2::int[], $3::text[]) AS w(release_id, revision, content_hash)"
        " ON e.stream_id = w.release_id AND e.event_type = $4"
        " AND (e.data->>'revision')::int = w.revision AND e.data->>'content_hash' = w.content_hash",
        *_columns(keys),
        RevisionContentNoted.ce_type(),
    )
    return [(row[0], row[1], row[2]) for row in rows]


def _columns(keys: list[ContentKey]) -> tuple[list[str], list[int], list[str]]:
    return [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]


async def react_to_drafting(
    name: str,
    handler: CommandHandler,
    reaction_for: Callable[[Found], Reaction],
    records: Sequence[Record],
) -> None:
    """One batch of drafting's events: the contents kept and looked up in one transaction, then
    the commands they call for (`reaction_for(contents found)`) as any policy handles them."""
    registry = handler.store.registry
    read = [(r, o, decode_upstream(r, o, registry)) for r, o in records]
    events = [event for _, _, event in read if not isinstance(event, Inbound)]
    found = await kept_and_found(handler, contents_written(events), submitted(events))
    policy = Policy(name, handler, reaction_for(found))
    await policy.handle(
        [e if isinstance(e, Inbound) else policy.react(r, o, e) for r, o, e in read]
    )


async def kept_and_found(
    handler: CommandHandler, written: list[Written], wanted: list[ContentKey]
) -> Found:
    """`keep_and_find`, waiting while PostgreSQL is away: each statement on its own, no BEGIN
    and COMMIT round trips around them (issue 15: two of the three a created draft cost here).
    A failure of its own (a bug) is logged and finds nothing: each submission is then
    dead-lettered with the reason, never dropped."""
    if not written and not wanted:
        return {}
    found: Found = {}

    async def attempt() -> None:
        async with handler.pool.acquire() as conn:
            found.update(await keep_and_find(conn, handler.store.schema, written, wanted))

    try:
        await until_done(attempt)
    except Exception:
        log.exception("revision_contents_failed", written=len(written), wanted=len(wanted))
    return found


__all__ = [
    "ContentKey",
    "Found",
    "contents_written",
    "keep_and_find",
    "kept_and_found",
    "react_to_drafting",
    "submitted",
]
