-- The read models of the projector. Idempotent: safe to run on every start.
-- __SCHEMA__ is `projections`, or a shadow schema when a replay rebuilds them beside it.
CREATE SCHEMA IF NOT EXISTS __SCHEMA__;

CREATE TABLE IF NOT EXISTS __SCHEMA__.releases (
    release_id        text PRIMARY KEY,
    title             text NOT NULL,
    summary           text NOT NULL DEFAULT '',
    body              text NOT NULL DEFAULT '',
    lead_organisation text NOT NULL,
    organisations     text[] NOT NULL DEFAULT '{}',
    collaborators     text[] NOT NULL DEFAULT '{}',
    status            text NOT NULL,
    revision          int NOT NULL,
    content_hash      text NOT NULL,
    content           jsonb NOT NULL,
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    submitted_at      timestamptz NULL,
    submitted_by      text NULL,
    -- Last applied stream version per service, e.g. {"drafting": 3}; drafting's is the ETag.
    versions          jsonb NOT NULL DEFAULT '{}',
    last_event_id     text NOT NULL,
    search            tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english', coalesce(body, '')), 'C')
    ) STORED
);
CREATE INDEX IF NOT EXISTS releases_search_idx ON __SCHEMA__.releases USING gin (search);
CREATE INDEX IF NOT EXISTS releases_status_idx ON __SCHEMA__.releases (status);
CREATE INDEX IF NOT EXISTS releases_lead_organisation_idx
    ON __SCHEMA__.releases (lead_organisation);
CREATE INDEX IF NOT EXISTS releases_organisations_idx
    ON __SCHEMA__.releases USING gin (organisations);
CREATE INDEX IF NOT EXISTS releases_updated_at_idx ON __SCHEMA__.releases (updated_at DESC);

CREATE TABLE IF NOT EXISTS __SCHEMA__.release_history (
    id             bigserial PRIMARY KEY,
    release_id     text NOT NULL,
    service        text NOT NULL,
    stream_version int NOT NULL,
    event_id       text NOT NULL,
    event_type     text NOT NULL,  -- the ce_type, e.g. pressroom.drafting.DraftRevised.v2
    actor          text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    summary        text NOT NULL,
    data           jsonb NOT NULL,
    correlation_id text NOT NULL,
    causation_id   text NULL,
    -- Every consumer deduplicates on (stream, version): a replayed event adds no row.
    UNIQUE (release_id, service, stream_version)
);
CREATE INDEX IF NOT EXISTS release_history_timeline_idx
    ON __SCHEMA__.release_history (release_id, occurred_at, id);

CREATE TABLE IF NOT EXISTS __SCHEMA__.command_outcomes (
    command_id     text PRIMARY KEY,
    command_type   text NOT NULL,
    release_id     text NULL,
    status         text NOT NULL,
    stream_version int NULL,
    events         jsonb NOT NULL DEFAULT '[]',
    problem        jsonb NULL,
    received_at    timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS __SCHEMA__.consumer_offsets (
    consumer    text NOT NULL,
    topic       text NOT NULL,
    partition   int NOT NULL,
    next_offset bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);

CREATE TABLE IF NOT EXISTS __SCHEMA__.dead_letters (
    id        bigserial PRIMARY KEY,
    topic     text NOT NULL,
    partition int NOT NULL,
    "offset"  bigint NOT NULL,
    key       bytea NULL,
    value     bytea NULL,
    headers   jsonb NOT NULL DEFAULT '[]',  -- [{"key": name, "value": base64 of the bytes}]
    reason    text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now(),
    -- A replay parks the same record once.
    UNIQUE (topic, partition, "offset")
);
