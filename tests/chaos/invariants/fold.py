"""The read models equal a fresh fold of the log: what `pressroom projections verify` does (the
same function), table by table. A row that differs and belongs to this run (its release, its
subscriber, its command or delivery) is a violation; one of an earlier run on the same test
stack, written by older code, is listed beside the figures instead."""

from __future__ import annotations

import asyncpg

from operator_tools.checksums import TableComparison
from operator_tools.verify import verify
from services.kit.settings import Settings
from tests.chaos.invariants import Verdict
from tests.chaos.world import World


async def read_models_equal_a_fresh_fold(settings: Settings, world: World) -> Verdict:
    verdict = Verdict("read models = a fresh fold (projections verify)")
    async with asyncpg.create_pool(settings.dsn_for("projector"), min_size=1, max_size=3) as pool:
        result = await verify(settings, pool, "projections")
    ours = _this_run(world)
    for table in result.tables:
        verdict.checked += table.fresh.count
        for key in _differing(table):
            if any(part in ours for part in key.split(" / ")):
                verdict.fail(f"{table.table} {key}: not what a fresh fold of the log gives")
            else:
                verdict.earlier.append(f"{table.table} {key}")
    return verdict


def _differing(table: TableComparison) -> list[str]:
    target, fresh = table.target.rows, table.fresh.rows
    return sorted(k for k in target.keys() | fresh.keys() if target.get(k) != fresh.get(k))


def _this_run(world: World) -> set[str]:
    ledger = world.ledger
    deliveries = {row["delivery_id"] for row in world.sent}
    return set(ledger.releases) | set(ledger.subscribers) | set(ledger.commands) | deliveries
