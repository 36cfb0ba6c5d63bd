-- Every statement that adds outbox rows wakes the relay at commit (NOTIFY is transactional, and
-- PostgreSQL folds repeats of one channel and payload in a transaction into one). Writers used to
-- send `NOTIFY <schema>_outbox` themselves: one more round trip in every transaction of every
-- service (docs/benchmarks.md, issue 15). The channel is EventStore.notify_channel.
CREATE OR REPLACE FUNCTION __SCHEMA__.wake_relay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('__SCHEMA___outbox', '');
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS outbox_wakes_relay ON __SCHEMA__.outbox;
CREATE TRIGGER outbox_wakes_relay AFTER INSERT ON __SCHEMA__.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION __SCHEMA__.wake_relay();
