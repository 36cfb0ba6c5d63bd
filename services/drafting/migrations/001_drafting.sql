-- Drafting keeps nothing beyond the kit's event store yet; this file marks the schema as drafting's.
COMMENT ON SCHEMA __SCHEMA__ IS 'Pressroom drafting: event store, command log and outbox';
