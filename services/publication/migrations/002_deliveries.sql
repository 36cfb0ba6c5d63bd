-- Deliveries: who publication tells, and the record of every notice to every subscriber.
-- `subscribers` and `deliveries` follow the events (written in the same transaction as the
-- events that imply them); `subscriber_secrets` holds what no event may carry.
CREATE TABLE IF NOT EXISTS __SCHEMA__.subscribers (
    subscriber_id  text PRIMARY KEY,
    channel        text NOT NULL,            -- webhook | email
    url            text NULL,
    email          text NULL,
    organisations  text[] NOT NULL,
    topics         text[] NOT NULL,
    active         boolean NOT NULL DEFAULT true
);

CREATE TABLE IF NOT EXISTS __SCHEMA__.subscriber_secrets (
    subscriber_id  text PRIMARY KEY,
    secret         text NOT NULL
);

-- One row per notice (an edition, a withdrawal, an unpublishing) to one subscriber. `seq` orders
-- a subscriber's notices: the worker sends a subscriber's next one only when every earlier one
-- succeeded (or was dropped), so a failed delivery holds the later ones back until redelivered.
CREATE TABLE IF NOT EXISTS __SCHEMA__.deliveries (
    seq              bigserial PRIMARY KEY,
    delivery_id      text NOT NULL UNIQUE,
    subscriber_id    text NOT NULL,
    release_id       text NOT NULL,
    edition          int NOT NULL,
    notice           text NOT NULL,          -- published | withdrawn | unpublished
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending',  -- pending | succeeded | failed | dropped
    attempts         int NOT NULL DEFAULT 0,   -- every attempt, redeliveries included
    round_attempts   int NOT NULL DEFAULT 0,   -- since the last (re)delivery request
    next_attempt_at  timestamptz NOT NULL,
    last_detail      text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_waiting
    ON __SCHEMA__.deliveries (subscriber_id, seq) WHERE status IN ('pending', 'failed');
CREATE INDEX IF NOT EXISTS deliveries_by_release ON __SCHEMA__.deliveries (release_id);
