"""What goes in and out around a batch: records off Kafka, the NOTIFY payload, the batch's log."""

from __future__ import annotations

import json
from typing import Any

import structlog
from prometheus_client import Counter

from services.projector.batch import BatchPlan, Consumed

log = structlog.get_logger()
# On the projector's /metrics: which instance of several projected how much (committed batches).
RECORDS_PROJECTED = Counter(
    "pressroom_projector_records", "Records this projector wrote in committed batches."
)
# At most this many ids of each kind in a notice, and this many bytes of ids in all: PostgreSQL
# refuses a NOTIFY payload of 8,000 bytes or more, and the refusal failed the batch's
# transaction (fifty ids of 200 characters are 10,000). The keys and quotes fit in the rest.
NOTIFY_MAX_IDS = 50
NOTIFY_MAX_ID_BYTES = 7_000


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
    named_releases, room = _fitting(releases, NOTIFY_MAX_ID_BYTES)
    named_commands, _ = _fitting(commands, room)
    return {
        "consumer": consumer,
        "releases": named_releases,
        "commands": named_commands,
        "truncated": len(named_releases) < len(releases) or len(named_commands) < len(commands),
    }


def _fitting(ids: list[str], room: int) -> tuple[list[str], int]:
    """The first ids, up to NOTIFY_MAX_IDS, while their bytes as `json.dumps` writes them (the
    store's way; quoted, escaped, then ", ") fit in `room`; and the room left."""
    kept: list[str] = []
    for one in ids[:NOTIFY_MAX_IDS]:
        cost = len(json.dumps(one)) + 2
        if cost > room:
            break
        room -= cost
        kept.append(one)
    return kept, room


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
