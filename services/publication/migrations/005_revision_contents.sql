-- Each revision's content as drafting wrote it (DraftCreated, DraftRevised), kept here until the
-- revision is submitted: only then is it noted as an event (RevisionContentNoted), once, since
-- only a submitted revision can be approved and published (issue 15: a note per revision cost
-- about 30% of the stack's CPU per HTTP create). A copy of drafting.events, never the truth: the
-- content hash is part of the key, so a forged record cannot stand in for the real one.
CREATE TABLE IF NOT EXISTS __SCHEMA__.revision_contents (
    release_id text NOT NULL,
    revision integer NOT NULL,
    content_hash text NOT NULL,
    content jsonb NOT NULL,
    kept_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (release_id, revision, content_hash)
);
