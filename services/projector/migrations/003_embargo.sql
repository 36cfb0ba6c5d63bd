-- Embargo in the read models: the release row's embargo columns, the embargo calendar, the
-- content of every revision (an embargoed copy shows exactly the approved one) and the copies
-- issued. __SCHEMA__ is `projections`, or a shadow schema when a replay rebuilds them beside it.
ALTER TABLE __SCHEMA__.releases
    -- none | scheduled | deferred | lifted | cancelled
    ADD COLUMN IF NOT EXISTS embargo_status text NOT NULL DEFAULT 'none',
    ADD COLUMN IF NOT EXISTS embargo_lift_at timestamptz NULL,
    ADD COLUMN IF NOT EXISTS embargo_pre_release_at timestamptz NULL,
    -- How many, never who: recipient names stay in embargoed_copies, off the status board.
    ADD COLUMN IF NOT EXISTS embargo_recipient_count int NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS embargo_lifted_at timestamptz NULL,
    ADD COLUMN IF NOT EXISTS embargo_lateness_ms bigint NULL;
CREATE INDEX IF NOT EXISTS releases_embargo_status_idx
    ON __SCHEMA__.releases (embargo_status);

-- One row per release that has or had an embargo; rewritten from the release row whenever it
-- changes, so it never disagrees with it.
CREATE TABLE IF NOT EXISTS __SCHEMA__.embargo_calendar (
    release_id        text PRIMARY KEY,
    lift_at           timestamptz NOT NULL,
    pre_release_at    timestamptz NULL,
    title             text NOT NULL,
    lead_organisation text NOT NULL,
    status            text NOT NULL,
    has_recipients    boolean NOT NULL
);
CREATE INDEX IF NOT EXISTS embargo_calendar_organisation_idx
    ON __SCHEMA__.embargo_calendar (lead_organisation, lift_at);

-- Every revision drafting wrote, as it wrote it: revisions never change once written.
CREATE TABLE IF NOT EXISTS __SCHEMA__.release_revisions (
    release_id   text NOT NULL,
    revision     int NOT NULL,
    content_hash text NOT NULL,
    content      jsonb NOT NULL,
    PRIMARY KEY (release_id, revision)
);

-- The copy each recipient holds now: a reissue (new revision, moved lift) replaces it; a
-- recipient taken off the list, a cancel or a new embargo removes it.
CREATE TABLE IF NOT EXISTS __SCHEMA__.embargoed_copies (
    release_id   text NOT NULL,
    recipient    text NOT NULL,
    revision     int NOT NULL,
    content_hash text NOT NULL,
    lift_at      timestamptz NOT NULL,
    issued_at    timestamptz NOT NULL,
    PRIMARY KEY (release_id, recipient)
);
CREATE INDEX IF NOT EXISTS embargoed_copies_recipient_idx
    ON __SCHEMA__.embargoed_copies (recipient);
