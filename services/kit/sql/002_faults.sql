-- What a fault must not hide (docs/reliability.md).
-- The relay's de-duplication key: random, so it never repeats, even after PostgreSQL is restored
-- from a backup (a bigserial id starts over from the backup's value; Kafka keeps what it had).
ALTER TABLE __SCHEMA__.outbox ADD COLUMN IF NOT EXISTS row_key uuid NOT NULL DEFAULT gen_random_uuid();
-- A row Kafka refuses for good (too large, invalid) is set aside with the reason, never retried,
-- so it cannot hold up the rows behind it; `pressroom stuck` lists it.
ALTER TABLE __SCHEMA__.outbox ADD COLUMN IF NOT EXISTS set_aside_at timestamptz;
ALTER TABLE __SCHEMA__.outbox ADD COLUMN IF NOT EXISTS set_aside_reason text;
DROP INDEX IF EXISTS __SCHEMA__.outbox_unpublished;
CREATE INDEX IF NOT EXISTS outbox_pending ON __SCHEMA__.outbox (id)
    WHERE published_at IS NULL AND set_aside_at IS NULL;
-- A deadline whose own command fails (a bug, not PostgreSQL away) stays here, visible.
ALTER TABLE __SCHEMA__.deadlines ADD COLUMN IF NOT EXISTS failed_at timestamptz;
ALTER TABLE __SCHEMA__.deadlines ADD COLUMN IF NOT EXISTS failure text;
