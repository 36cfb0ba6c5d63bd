"""The deadline table's statements, one schema per service (`{schema}` is filled in at use)."""

from __future__ import annotations

CHANNEL = "{schema}_deadlines"
PENDING = "fired_at IS NULL AND cancelled_at IS NULL"
UPSERT = (
    "INSERT INTO {schema}.deadlines (stream_id, kind, key, due_at, payload) VALUES ($1, $2, $3,"
    " $4, $5::jsonb) ON CONFLICT (stream_id, kind, key) DO UPDATE SET due_at = EXCLUDED.due_at,"
    " payload = EXCLUDED.payload, fired_at = NULL, cancelled_at = NULL"
)
CANCEL = (
    "UPDATE {schema}.deadlines SET cancelled_at = now() WHERE stream_id = $1 AND kind = $2"
    f" AND ($3::text IS NULL OR key = $3) AND {PENDING}"
)
# Marked before its command runs: if the command's events re-arm this deadline, the re-arm wins.
TAKE_DUE = (
    "UPDATE {schema}.deadlines SET fired_at = $1 WHERE id = (SELECT id FROM {schema}.deadlines"
    f" WHERE {PENDING} AND due_at <= $1 ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING id, stream_id, kind, key, due_at, payload"
)
NEXT_DUE = f"SELECT min(due_at) FROM {{schema}}.deadlines WHERE {PENDING}"
NOTE_FAILURE = "UPDATE {schema}.deadlines SET payload = payload || $2::jsonb WHERE id = $1"
