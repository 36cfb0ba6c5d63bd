"""The SQL of deliveries, in one place ({schema} is publication's schema)."""

from __future__ import annotations

CHANNEL = "{schema}_deliveries"

ACTIVE_SUBSCRIBERS = """
SELECT subscriber_id, channel, organisations, topics FROM {schema}.subscribers WHERE active
ORDER BY subscriber_id
"""
HAD_AN_EDITION = """
SELECT DISTINCT subscriber_id FROM {schema}.deliveries
WHERE release_id = $1 AND notice = 'published' AND status <> 'dropped'
"""
LAST_PUBLISHED = """
SELECT payload FROM {schema}.deliveries
WHERE release_id = $1 AND notice = 'published' ORDER BY edition DESC, seq DESC LIMIT 1
"""
INSERT_DELIVERY = """
INSERT INTO {schema}.deliveries
    (delivery_id, subscriber_id, release_id, edition, notice, payload, next_attempt_at, created_at,
     traceparent, tracestate)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $7, $8, $9)
ON CONFLICT (delivery_id) DO NOTHING
"""
INSERT_SUBSCRIBER = """
INSERT INTO {schema}.subscribers (subscriber_id, channel, url, email, organisations, topics)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (subscriber_id) DO NOTHING
"""
INSERT_SECRET = """
INSERT INTO {schema}.subscriber_secrets (subscriber_id, sealed_secret) VALUES ($1, $2)
ON CONFLICT (subscriber_id) DO NOTHING
"""
REMOVE_SUBSCRIBER = "UPDATE {schema}.subscribers SET active = false WHERE subscriber_id = $1"
DROP_WAITING = """
UPDATE {schema}.deliveries SET status = 'dropped'
WHERE subscriber_id = $1 AND status IN ('pending', 'failed')
"""
REDELIVER = """
UPDATE {schema}.deliveries SET status = 'pending', round_attempts = 0, next_attempt_at = $3
WHERE subscriber_id = $1 AND status = 'failed' AND ($2::text IS NULL OR release_id = $2)
"""
# Every attempt: counted, and the next one pushed back by the backoff of the round so far
# ($4 the attempt's time, $5 the base delay, $6 the cap, in seconds).
ATTEMPT = """
UPDATE {schema}.deliveries
SET attempts = $2, last_detail = $3, round_attempts = round_attempts + 1,
    next_attempt_at = $4::timestamptz
        + make_interval(secs => least($6::float8, $5::float8 * power(2, round_attempts)))
WHERE delivery_id = $1
"""
SUCCEEDED = "UPDATE {schema}.deliveries SET status = 'succeeded' WHERE delivery_id = $1"
FAILED = "UPDATE {schema}.deliveries SET status = 'failed' WHERE delivery_id = $1"

# A subscriber's next notice, when it is due and nothing earlier of theirs is still waiting or
# failed: order per subscriber. SKIP LOCKED gives each subscriber's head to one worker at a time.
TAKE_DUE = """
SELECT d.*, s.channel, s.url, s.email, k.sealed_secret AS secret
FROM {schema}.deliveries d
JOIN {schema}.subscribers s ON s.subscriber_id = d.subscriber_id AND s.active
LEFT JOIN {schema}.subscriber_secrets k ON k.subscriber_id = d.subscriber_id
WHERE d.status = 'pending' AND d.next_attempt_at <= $1
  AND NOT EXISTS (
      SELECT 1 FROM {schema}.deliveries e
      WHERE e.subscriber_id = d.subscriber_id AND e.seq < d.seq
        AND e.status IN ('pending', 'failed'))
ORDER BY d.next_attempt_at, d.seq
LIMIT 1
FOR UPDATE OF d SKIP LOCKED
"""
NEXT_DUE = """
SELECT min(d.next_attempt_at) FROM {schema}.deliveries d
WHERE d.status = 'pending'
  AND NOT EXISTS (
      SELECT 1 FROM {schema}.deliveries e
      WHERE e.subscriber_id = d.subscriber_id AND e.seq < d.seq
        AND e.status IN ('pending', 'failed'))
"""
