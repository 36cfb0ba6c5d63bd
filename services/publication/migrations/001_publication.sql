-- Publication keeps nothing beyond the kit's event store, command log and outbox yet (deliveries
-- will add their own tables); this file marks the schema as publication's.
COMMENT ON SCHEMA __SCHEMA__ IS 'Pressroom publication: event store, command log and outbox';
