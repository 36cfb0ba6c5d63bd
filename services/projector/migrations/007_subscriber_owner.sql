-- A subscriber belongs to an organisation: its press office lists and manages it (NULL: an
-- operator registered it, or it predates owners; only operators see it).
ALTER TABLE __SCHEMA__.subscribers ADD COLUMN IF NOT EXISTS organisation text;
CREATE INDEX IF NOT EXISTS subscribers_by_organisation
    ON __SCHEMA__.subscribers (organisation, registered_at, subscriber_id);
