-- Embargo keeps nothing beyond the kit's event store, command log, outbox and deadlines (the
-- lifts and pre-releases it owes); this file marks the schema as embargo's.
COMMENT ON SCHEMA __SCHEMA__ IS 'Pressroom embargo: event store, command log, outbox and deadlines';
