-- The edition's descriptive metadata on the public row, for the ninjs document (language,
-- people, places, subjects). Rows written before this migration keep the defaults until their
-- next edition, or a rebuild, fills them.
ALTER TABLE __SCHEMA__.public_feed
    ADD COLUMN IF NOT EXISTS language text NOT NULL DEFAULT 'en',
    ADD COLUMN IF NOT EXISTS people text[] NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS locations text[] NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS topics text[] NOT NULL DEFAULT '{}';
