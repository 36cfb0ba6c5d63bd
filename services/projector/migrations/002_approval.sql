-- Approval in the read models: the release row's approval columns and the approval inbox.
-- __SCHEMA__ is `projections`, or a shadow schema when a replay rebuilds them beside it.
ALTER TABLE __SCHEMA__.releases
    -- What drafting alone says; `status` also weighs approval's verdict (services/projector).
    ADD COLUMN IF NOT EXISTS drafting_status text NULL,
    -- none | pending | approved | rejected | invalidated | force_approved
    ADD COLUMN IF NOT EXISTS approval_status text NOT NULL DEFAULT 'none',
    ADD COLUMN IF NOT EXISTS approval_revision int NULL,
    ADD COLUMN IF NOT EXISTS approval_hash text NULL,
    -- [{name, roles, step, deadline_at, state (pending|approved|overdue), approver,
    --   approved_at, comment}] in the request's order.
    ADD COLUMN IF NOT EXISTS approval_stages jsonb NOT NULL DEFAULT '[]',
    -- Set by ReleaseForceApproved until another editor approves it retrospectively.
    ADD COLUMN IF NOT EXISTS force_approved_flag boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS approval_requested_at timestamptz NULL,
    ADD COLUMN IF NOT EXISTS approval_decided_at timestamptz NULL;

-- Rows projected before this migration knew only drafting's word.
UPDATE __SCHEMA__.releases SET drafting_status = status WHERE drafting_status IS NULL;
ALTER TABLE __SCHEMA__.releases
    ALTER COLUMN drafting_status SET DEFAULT 'draft',
    ALTER COLUMN drafting_status SET NOT NULL;
CREATE INDEX IF NOT EXISTS releases_approval_status_idx
    ON __SCHEMA__.releases (approval_status);

-- One row per stage still awaiting approval in a pending request; rewritten from the release
-- row whenever it changes, so it never disagrees with it.
CREATE TABLE IF NOT EXISTS __SCHEMA__.approval_inbox (
    release_id        text NOT NULL,
    stage             text NOT NULL,
    roles             text[] NOT NULL,
    step              int NOT NULL,
    opened            boolean NOT NULL,  -- every earlier step is approved
    deadline_at       timestamptz NULL,
    overdue           boolean NOT NULL DEFAULT false,
    revision          int NOT NULL,
    content_hash      text NOT NULL,
    title             text NOT NULL,
    lead_organisation text NOT NULL,
    requested_at      timestamptz NOT NULL,
    PRIMARY KEY (release_id, stage)
);
CREATE INDEX IF NOT EXISTS approval_inbox_roles_idx ON __SCHEMA__.approval_inbox USING gin (roles);
CREATE INDEX IF NOT EXISTS approval_inbox_organisation_idx
    ON __SCHEMA__.approval_inbox (lead_organisation, requested_at);
