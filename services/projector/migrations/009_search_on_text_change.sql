-- `releases.search` is computed when a release's text changes, not on every write of its row.
-- As a generated column PostgreSQL recomputed it on every UPDATE, whatever changed: 240 µs of
-- PostgreSQL's CPU per row write for a 3 KB body, and a release's row is written after most of
-- its events (docs/decisions.md 55). Now a plain column kept by triggers: on INSERT (COPY too),
-- and on an UPDATE that changes the title, the summary or the body. The function lives in the
-- live schema whichever schema this runs for: a shadow's tables move into the live schema when
-- swapped in, and their triggers must not depend on the shadow schema, which is dropped later.
ALTER TABLE __SCHEMA__.releases ALTER COLUMN search DROP EXPRESSION IF EXISTS;

CREATE SCHEMA IF NOT EXISTS projections;
-- Migrations lock their own schema only; two schemas migrated at once (a replay's shadow while
-- the projector starts) must not replace the shared function together.
SELECT pg_advisory_xact_lock(hashtext('projections.release_search_of_text'));
CREATE OR REPLACE FUNCTION projections.release_search_of_text() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.body, '')), 'C');
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS releases_search_on_insert ON __SCHEMA__.releases;
CREATE TRIGGER releases_search_on_insert BEFORE INSERT ON __SCHEMA__.releases
    FOR EACH ROW EXECUTE FUNCTION projections.release_search_of_text();
DROP TRIGGER IF EXISTS releases_search_on_text_change ON __SCHEMA__.releases;
CREATE TRIGGER releases_search_on_text_change BEFORE UPDATE ON __SCHEMA__.releases
    FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary
          OR OLD.body IS DISTINCT FROM NEW.body)
    EXECUTE FUNCTION projections.release_search_of_text();
