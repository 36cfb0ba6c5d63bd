"""`pressroom stuck`: outbox rows Kafka refused for good and deadlines whose command failed."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from operator_tools.cli.common import err, out, pool_of, run
from operator_tools.stuck import Stuck
from operator_tools.stuck import stuck as find_stuck
from services.kit.settings import Settings


def stuck() -> None:
    """What a fault set aside instead of losing; exit 3 when there is any (for monitoring)."""

    async def work(settings: Settings) -> list[Stuck]:
        async with pool_of(settings) as pool, pool.acquire() as conn:
            return await find_stuck(conn)

    found = run(work)
    table = Table("service", "what", "which", "since", "why", title="Set aside")
    for s in found:
        table.add_row(
            s.schema, s.kind, s.ref, s.at.isoformat(timespec="seconds"), escape(s.reason[:160])
        )
    out.print(table)
    err.print(f"{len(found)} set aside." if found else "Nothing set aside.")
    if found:
        raise typer.Exit(3)
