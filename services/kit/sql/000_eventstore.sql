-- The event store of one service, created in that service's own schema (__SCHEMA__).
CREATE SCHEMA IF NOT EXISTS __SCHEMA__;

-- Every event of every stream; a stream is one release as this service sees it.
CREATE TABLE IF NOT EXISTS __SCHEMA__.events (
    global_position bigserial PRIMARY KEY,
    stream_id       text        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    event_id        text        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    data            jsonb       NOT NULL,
    occurred_at     timestamptz NOT NULL,
    actor           text        NOT NULL,
    correlation_id  text        NOT NULL,
    causation_id    text,
    -- Optimistic concurrency: two writers of the same version cannot both commit.
    UNIQUE (stream_id, version)
);

-- Each command handled, with its outcome, so a repeated command id replays the same answer.
CREATE TABLE IF NOT EXISTS __SCHEMA__.processed_commands (
    command_id    text PRIMARY KEY,
    command_type  text        NOT NULL,
    stream_id     text,
    status        text        NOT NULL,
    outcome       jsonb       NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now()
);

-- Records waiting for the relay: the only way anything reaches Kafka.
CREATE TABLE IF NOT EXISTS __SCHEMA__.outbox (
    id            bigserial PRIMARY KEY,
    topic         text        NOT NULL,
    key           bytea,
    value         bytea,
    header_keys   text[]      NOT NULL,
    header_values bytea[]     NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON __SCHEMA__.outbox (id) WHERE published_at IS NULL;
