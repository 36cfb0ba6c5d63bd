-- Approval keeps nothing beyond the kit's event store, command log, outbox and deadlines yet;
-- this file marks the schema as approval's.
COMMENT ON SCHEMA __SCHEMA__ IS 'Pressroom approval: event store, command log, outbox and deadlines';
