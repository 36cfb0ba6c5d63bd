-- The public read side: one row per release that was ever published, written ONLY from
-- publication's ReleasePublished, ReleaseWithdrawn and ReleaseUnpublished, so nothing unapproved,
-- unpublished or under embargo can be in it (invariants 1 and 2). __SCHEMA__ is `projections`,
-- or a shadow schema when a replay rebuilds them beside it.
CREATE TABLE IF NOT EXISTS __SCHEMA__.public_feed (
    release_id             text PRIMARY KEY,
    -- Two releases may share a title, so a slug: the first published holds `slug`, any later
    -- one is served at `slug_if_taken` (its id appended). Decided at read time, so a rebuild
    -- that reads the partitions in another order gives every release the same address.
    slug                   text NOT NULL,
    slug_if_taken          text NOT NULL UNIQUE,
    edition                int NOT NULL,
    title                  text NOT NULL,
    summary                text NOT NULL,
    body                   text NOT NULL,
    organisations          text[] NOT NULL,
    first_published_at     timestamptz NOT NULL,
    public_updated_at      timestamptz NOT NULL,
    change_history         jsonb NOT NULL,
    -- published | withdrawn | gone | redirect | vanish
    state                  text NOT NULL,
    withdrawal_explanation text NULL,
    redirect_url           text NULL,
    state_changed_at       timestamptz NOT NULL,
    -- publication's stream version of the last event applied: a replay changes nothing.
    stream_version         int NOT NULL
);
CREATE INDEX IF NOT EXISTS public_feed_slug_idx
    ON __SCHEMA__.public_feed (slug, first_published_at, release_id);
CREATE INDEX IF NOT EXISTS public_feed_updated_idx
    ON __SCHEMA__.public_feed (public_updated_at DESC, release_id);

-- Where each release stands publicly, on the status board row (publication_status: not-published
-- | published | withdrawn | gone | redirect | vanish).
ALTER TABLE __SCHEMA__.releases
    ADD COLUMN IF NOT EXISTS publication_status text NOT NULL DEFAULT 'not-published',
    ADD COLUMN IF NOT EXISTS public_edition int NULL,
    ADD COLUMN IF NOT EXISTS public_revision int NULL,
    ADD COLUMN IF NOT EXISTS public_slug text NULL,
    ADD COLUMN IF NOT EXISTS first_published_at timestamptz NULL,
    ADD COLUMN IF NOT EXISTS public_updated_at timestamptz NULL;
