-- What the operators' tools remember. Idempotent: applied by every ops command before it starts.
CREATE SCHEMA IF NOT EXISTS __SCHEMA__;

-- Shadow schemas get the next number: projections_shadow_<n>, and projections_old_<n> after a swap.
CREATE SEQUENCE IF NOT EXISTS __SCHEMA__.shadow_numbers;

CREATE TABLE IF NOT EXISTS __SCHEMA__.shadows (
    schema_name text PRIMARY KEY,
    number      int NOT NULL,
    projection  text NOT NULL,            -- a table of `projections`, or 'all'
    since       timestamptz NULL,         -- a window: only events stamped in [since, until)
    until       timestamptz NULL,
    state       text NOT NULL,            -- building, built, verified, swapped, dropped
    records     bigint NOT NULL DEFAULT 0,
    old_schema  text NULL,                -- where the replaced tables went at the swap
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per dead letter ever re-driven: a dead letter is never re-driven twice. The key is where
-- the dead letter sits: (pressroom.<svc>.dlq, partition, offset) for a Kafka DLQ, or the source
-- record (pressroom.<svc>.events, partition, offset) for a row of projections.dead_letters.
CREATE TABLE IF NOT EXISTS __SCHEMA__.redriven (
    topic       text NOT NULL,
    partition   int NOT NULL,
    "offset"    bigint NOT NULL,
    redriven_at timestamptz NOT NULL DEFAULT now(),
    result      text NOT NULL,            -- sending (not acknowledged yet), redriven
    detail      text NOT NULL DEFAULT '',
    PRIMARY KEY (topic, partition, "offset")
);
