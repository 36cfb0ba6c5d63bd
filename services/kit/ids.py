"""New ids for commands and the streams they create: UUIDv7 (RFC 9562), time-ordered.

Every id minted here becomes a primary key (a release row, its events' stream, a processed
command, an outcome, a revision's content). Random (v4) keys put each insert on a random page
of every such index: once the indexes outgrow PostgreSQL's buffers, each write reads a page,
dirties it, and writes it whole into the WAL after a checkpoint. Time-ordered keys fill the
right-hand pages instead (docs/decisions.md 52; measured in docs/benchmarks.md). The ids still
carry 74 random bits; what they add is the millisecond they were made, which the release's
`created_at` says anyway."""

from __future__ import annotations

import uuid_utils


def new_id() -> str:
    """A fresh UUIDv7 as text; later calls in a process give larger ids (uuid-utils keeps a
    counter within a millisecond)."""
    return str(uuid_utils.uuid7())
