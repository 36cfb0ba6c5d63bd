-- Commands waiting for another service's word (services/kit/pending.py): recorded instead of an
-- outcome, decided again and answered when the word arrives. Empty in services that never ask.
CREATE TABLE IF NOT EXISTS __SCHEMA__.pending_commands (
    command_id    text PRIMARY KEY,
    stream_id     text        NOT NULL,
    key           bytea,
    value         bytea,
    header_keys   text[]      NOT NULL,
    header_values bytea[]     NOT NULL,
    pending_since timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS pending_commands_stream ON __SCHEMA__.pending_commands (stream_id);
