-- The relay deletes an outbox row once Kafka acked it (services/kit/relay_rows.py); earlier
-- versions marked it published and kept it for good. Every kept row grew the table, its
-- primary key and the work of each vacuum, which since 004 runs after every 2,000 rows sent:
-- after an afternoon of benchmarks the drafting outbox was 228 MB with no row still to send,
-- and one vacuum walked 17,467 of its 25,344 pages (docs/decisions.md 45). The events stay in
-- the event store; rows set aside (`pressroom stuck`) and rows still to send are kept.
DELETE FROM __SCHEMA__.outbox WHERE published_at IS NOT NULL;
