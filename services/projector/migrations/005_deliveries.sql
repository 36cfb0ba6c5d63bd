-- Who publication tells and how each notice went: `subscribers` from the subscriber streams,
-- `deliveries` (one row per notice to one subscriber) from the delivery events on the release
-- streams. Each write applies only a newer stream version than the row has: a replay is a no-op.
CREATE TABLE IF NOT EXISTS __SCHEMA__.subscribers (
    subscriber_id       text PRIMARY KEY,
    name                text NOT NULL,
    channel             text NOT NULL,
    url                 text NULL,
    email               text NULL,
    organisations       text[] NOT NULL,
    topics              text[] NOT NULL,
    secret_fingerprint  text NULL,
    status              text NOT NULL,            -- active | removed
    registered_at       timestamptz NOT NULL,
    registered_by       text NOT NULL,
    changed_at          timestamptz NOT NULL,
    stream_version      int NOT NULL
);

CREATE TABLE IF NOT EXISTS __SCHEMA__.deliveries (
    delivery_id       text PRIMARY KEY,
    release_id        text NOT NULL,
    subscriber_id     text NOT NULL,
    edition           int NOT NULL,
    notice            text NOT NULL,              -- published | withdrawn | unpublished
    status            text NOT NULL,              -- retrying | succeeded | failed
    attempts          int NOT NULL,
    last_detail       text NOT NULL,
    failure_reason    text NULL,
    first_attempt_at  timestamptz NOT NULL,
    last_attempt_at   timestamptz NOT NULL,
    stream_version    int NOT NULL                -- the release's publication stream version
);
CREATE INDEX IF NOT EXISTS deliveries_release_idx ON __SCHEMA__.deliveries (release_id);
CREATE INDEX IF NOT EXISTS deliveries_subscriber_idx
    ON __SCHEMA__.deliveries (subscriber_id, first_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_failed_idx
    ON __SCHEMA__.deliveries (last_attempt_at) WHERE status = 'failed';
