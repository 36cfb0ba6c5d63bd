"""What goes in and out around a batch: records off Kafka, the NOTIFY payload, the batch's log."""

from __future__ import annotations

from typing import Any

import structlog
from prometheus_client import Counter

from services.projector.batch import BatchPlan, Consumed

log = structlog.get_logger()
# On the projector's /metrics: which instance of several projected how much (committed batches).
RECORDS_PROJECTED = Counter(
    "pressroom_projector_records", "Records this projector wrote in committed batches."
)
# A NOTIFY payload must stay under 8000 bytes.
NOTIFY_MAX_IDS = 50


def consumed(record: Any) -> Consumed:
    # A header without a value (Kafka allows one) stays None: decoding dead-letters it.
    headers = tuple((str(k), None if v is None else bytes(v)) for k, v in (record.headers or ()))
    return Consumed(
        record.topic, record.partition, record.offset, record.key, record.value, headers
    )


def notice(consumer: str, touched: set[str], plan: BatchPlan) -> dict[str, Any]:
    # Every release the batch saw, changed or not: another projector may have got there first.
    releases = sorted(touched)
    commands = [o.command_id for o in plan.outcomes]
    return {
        "consumer": consumer,
        "releases": releases[:NOTIFY_MAX_IDS],
        "commands": commands[:NOTIFY_MAX_IDS],
        "truncated": len(releases) > NOTIFY_MAX_IDS or len(commands) > NOTIFY_MAX_IDS,
    }


def log_batch(count: int, plan: BatchPlan) -> None:
    RECORDS_PROJECTED.inc(count)
    for letter in plan.dead_letters:
        record = letter.record
        log.warning(
            "dead_letter",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=letter.reason,
        )
    log.debug(
        "batch_projected",
        records=count,
        releases=len(plan.releases),
        history=len(plan.history),
        outcomes=len(plan.outcomes),
    )
