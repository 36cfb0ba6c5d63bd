"""The deadline table's statements, one schema per service (`{schema}` is filled in at use)."""

from __future__ import annotations

CHANNEL = "{schema}_deadlines"
PENDING = "fired_at IS NULL AND cancelled_at IS NULL"
UPSERT = (
    "INSERT INTO {schema}.deadlines (stream_id, kind, key, due_at, payload) VALUES ($1, $2, $3,"
    " $4, $5::jsonb) ON CONFLICT (stream_id, kind, key) DO UPDATE SET due_at = EXCLUDED.due_at,"
    " payload = EXCLUDED.payload, fired_at = NULL, cancelled_at = NULL"
)
# `coalesce(...) IS NULL` is PENDING in other words: PostgreSQL then looks the stream up by its
# (stream_id, kind, key) index. Spelt as PENDING, it may scan the whole pending index for each
# cancel instead when the table's statistics are stale, as right after a storm's rows were
# written: 1,000 lifts cancelling 2,000 deadlines took 50 times longer that way.
CANCEL = (
    "UPDATE {schema}.deadlines SET cancelled_at = now() WHERE stream_id = $1 AND kind = $2"
    " AND ($3::text IS NULL OR key = $3) AND coalesce(fired_at, cancelled_at) IS NULL"
)
# Up to $2 due rows, oldest first, locked for this transaction: another instance skips them.
# As plain as it looks on purpose: the pending index, read in due order, whatever the statistics
# say (right after a storm's rows were written they say nothing yet).
CLAIM_DUE = (
    "SELECT id, stream_id, kind, key, due_at, payload FROM {schema}.deadlines"
    f" WHERE {PENDING} AND due_at <= $1 ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
)
# Marked before their commands run: if a command's events re-arm its deadline, the re-arm wins.
MARK_FIRED = "UPDATE {schema}.deadlines SET fired_at = $2 WHERE id = ANY($1::bigint[])"
# Marked, then refused as not due yet or beaten by a concurrent writer: armed again, as if never
# taken (the row is still locked by the taking transaction, so nobody else changed it meanwhile).
REARM = "UPDATE {schema}.deadlines SET fired_at = NULL WHERE id = ANY($1::bigint[])"
NEXT_DUE = f"SELECT min(due_at) FROM {{schema}}.deadlines WHERE {PENDING}"
# Spent by its own failure (a bug in its command): kept, with the error, for `pressroom stuck`.
NOTE_FAILURE = "UPDATE {schema}.deadlines SET failed_at = now(), failure = $2 WHERE id = $1"
