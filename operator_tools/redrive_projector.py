"""Re-drive of a record the projector parked: folded into the live read models now, in one
transaction with the removal of its parked row and the ops.redriven mark. Re-publishing it to
its events topic instead would put a second copy into the log every reader and rebuild reads."""

from __future__ import annotations

from operator_tools.dead_letters import DeadLetter
from operator_tools.redriven import (
    FAILED,
    REDRIVEN,
    SKIPPED,
    WOULD,
    RedriveOutcome,
    claim,
    settle,
)
from services.kit.db import Connection
from services.projector import batch
from services.projector.consumer import GROUP_ID
from services.projector.new_releases import again_if_begun_elsewhere
from services.projector.store import ProjectionStore


class _StillFailing(Exception):
    """Rolls the transaction back: nothing is marked, the parked row stays."""


async def redrive_into_projections(
    conn: Connection, letter: DeadLetter, dry_run: bool
) -> RedriveOutcome:
    record = batch.Consumed(
        letter.topic, letter.partition, letter.offset, letter.key, letter.value, letter.headers
    )
    routed = batch.route(record)  # decodes with today's upcasters
    if isinstance(routed, batch.DeadLetter):
        return RedriveOutcome(letter, FAILED, f"still unusable: {routed.reason}")
    detail = f"into projections as {routed.type}"
    if dry_run:
        return RedriveOutcome(letter, WOULD, detail)
    try:
        async with conn.transaction():
            if not await claim(conn, letter):
                return RedriveOutcome(letter, SKIPPED, "already re-driven by another run")
            await _apply(conn, record, routed)
            await settle(conn, letter, detail)
    except _StillFailing as error:
        return RedriveOutcome(letter, FAILED, str(error))
    return RedriveOutcome(letter, REDRIVEN, detail)


async def _apply(conn: Connection, record: batch.Consumed, routed: batch.Routed) -> None:
    store = ProjectionStore()
    touched = batch.release_ids([routed])

    async def fold_and_write() -> None:
        # A savepoint: beaten to a new release by the live projector, only this part runs again.
        async with conn.transaction():
            stored = await store.lock_releases(conn, touched)
            plan = batch.plan_batch([(record, routed)], stored)
            if plan.dead_letters:
                raise _StillFailing(f"projection failed again: {plan.dead_letters[0].reason}")
            plan.next_offsets = {}  # the projector's own position is not this record's business
            await store.write_batch(conn, GROUP_ID, plan, stored=stored.keys())

    await again_if_begun_elsewhere(fold_and_write, "redrive")
    await conn.execute(
        "DELETE FROM projections.dead_letters"
        ' WHERE topic = $1 AND partition = $2 AND "offset" = $3',
        record.topic,
        record.partition,
        record.offset,
    )
    await store.notify_advanced(
        conn,
        {"consumer": "redrive", "releases": sorted(touched), "commands": [], "truncated": False},
    )
