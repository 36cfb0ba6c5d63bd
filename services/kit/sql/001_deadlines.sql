-- Durable deadlines of one service (approval stages now, embargo lifts next), in its own schema.
-- Written in the same transaction as the events that imply them; fired by services/kit/scheduler.py.
CREATE TABLE IF NOT EXISTS __SCHEMA__.deadlines (
    id           bigserial PRIMARY KEY,
    stream_id    text        NOT NULL,
    kind         text        NOT NULL,
    key          text        NOT NULL,
    due_at       timestamptz NOT NULL,
    payload      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    fired_at     timestamptz,
    cancelled_at timestamptz,
    -- Scheduling the same (stream, kind, key) again moves that deadline instead of adding one.
    UNIQUE (stream_id, kind, key)
);
-- What the scheduler asks for: the earliest deadline neither fired nor cancelled.
CREATE INDEX IF NOT EXISTS deadlines_pending ON __SCHEMA__.deadlines (due_at)
    WHERE fired_at IS NULL AND cancelled_at IS NULL;
