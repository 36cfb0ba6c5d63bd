-- The relay finds pending rows through the partial index outbox_pending, in id order. Marking a
-- row published leaves its entry in that index until VACUUM removes it, and every scan walks the
-- entries of rows published since: after a day of benchmarks, with autovacuum's default of 20%
-- of the table (160,000 rows of a table that keeps every published row), drafting's scan took
-- 16 ms instead of 0.6, on every event (docs/benchmarks.md, "Quadratic headers, a faster
-- signature check, and the relay's scan"; docs/decisions.md 44).
-- So the outbox is vacuumed after a fixed number of marked rows, whatever its history, and always
-- with its indexes (PostgreSQL skips index cleanup when the dead rows sit on under 2% of the
-- table's pages, which the newest rows of a long table always do).
ALTER TABLE __SCHEMA__.outbox SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 2000,
    vacuum_index_cleanup = on
);
