"""asyncpg writes of `deliveries` and `subscribers`, inside the batch's one transaction. Each write
applies only a newer stream version than the row has, so a replay changes nothing."""

from __future__ import annotations

from collections.abc import Iterable

from services.kit.db import Db
from services.projector.deliveries import DeliveryChange, ReadModelChange, SubscriberChange

# attempts 0 / detail '' mean "the event does not say": keep what the row has.
_DELIVERY_SQL = """
INSERT INTO {t} AS row (delivery_id, release_id, subscriber_id, edition, notice, status,
    attempts, last_detail, failure_reason, first_attempt_at, last_attempt_at, stream_version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
ON CONFLICT (delivery_id) DO UPDATE SET
    status = EXCLUDED.status,
    attempts = greatest(row.attempts, EXCLUDED.attempts),
    last_detail = CASE WHEN EXCLUDED.last_detail = '' THEN row.last_detail
                       ELSE EXCLUDED.last_detail END,
    failure_reason = EXCLUDED.failure_reason,
    last_attempt_at = greatest(row.last_attempt_at, EXCLUDED.last_attempt_at),
    stream_version = EXCLUDED.stream_version
WHERE row.stream_version < EXCLUDED.stream_version
"""
_REGISTERED_SQL = """
INSERT INTO {t} (subscriber_id, name, channel, url, email, organisations, topics,
    secret_fingerprint, status, registered_at, registered_by, changed_at, stream_version,
    organisation)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $9, $11, $12)
ON CONFLICT (subscriber_id) DO NOTHING
"""
_REMOVED_SQL = """
UPDATE {t} SET status = 'removed', changed_at = $2, stream_version = $3
WHERE subscriber_id = $1 AND stream_version < $3
"""


async def apply_delivery_changes(db: Db, schema: str, changes: Iterable[ReadModelChange]) -> None:
    """In log order: a delivery's attempts, and a subscriber's registration before its removal."""
    for change in changes:
        match change:
            case DeliveryChange():
                await db.execute(
                    _DELIVERY_SQL.format(t=f"{schema}.deliveries"), change.delivery_id,
                    change.release_id, change.subscriber_id, change.edition, change.notice,
                    change.status, change.attempts, change.last_detail, change.failure_reason,
                    change.at, change.stream_version,
                )  # fmt: skip
            case SubscriberChange(registered=None):
                await db.execute(
                    _REMOVED_SQL.format(t=f"{schema}.subscribers"), change.subscriber_id,
                    change.at, change.stream_version,
                )  # fmt: skip
            case SubscriberChange(registered=registered) if registered is not None:
                await db.execute(
                    _REGISTERED_SQL.format(t=f"{schema}.subscribers"), change.subscriber_id,
                    registered.name, registered.channel, registered.url, registered.email,
                    registered.filters.organisations, registered.filters.topics,
                    registered.secret_fingerprint, change.at, registered.registered_by,
                    change.stream_version, registered.organisation,
                )  # fmt: skip
