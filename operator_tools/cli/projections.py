"""`pressroom replay` and `pressroom projections status|verify|swap|drop-old`."""

from __future__ import annotations

from typing import Annotated

import typer

from operator_tools.cleanup import drop_old as drop_old_schemas
from operator_tools.cli.common import err, pool_of, progress_bars, run
from operator_tools.cli.views import (
    print_replay,
    print_status,
    print_swap,
    print_verify,
)
from operator_tools.fold import Window
from operator_tools.replay import ReplayRequest, ReplayResult
from operator_tools.replay import replay as run_replay
from operator_tools.status import ProjectionStatus, projection_status
from operator_tools.swap import SwapResult
from operator_tools.swap import swap as run_swap
from operator_tools.times import optional_time
from operator_tools.verify import VerifyResult
from operator_tools.verify import verify as run_verify
from services.kit.settings import Settings

projections_app = typer.Typer(
    help="Read models: status, verify, swap a shadow, drop old ones.", no_args_is_help=True
)
TimeOption = Annotated[
    str | None, typer.Option(help="ISO 8601 with an offset (Kafka record time).")
]


ShadowOption = Annotated[bool, typer.Option("--shadow", help="Build a new schema; swap later.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Show the offsets; write nothing.")]
ProjectionArgument = Annotated[str, typer.Argument(help="A read model (a table), or all.")]


def replay(
    projection: ProjectionArgument = "all",
    since: TimeOption = None,
    until: TimeOption = None,
    shadow: ShadowOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Rebuild a read model from offset 0 (or re-apply a time window) without side effects.

    Without --shadow and without a window: build a shadow, then swap it in. With a window and
    no --shadow: re-apply that window's events to the live read models (idempotent).
    A new shadow is folded by one process per CPU (PRESSROOM_REBUILD_WORKERS to change it)."""

    async def work(settings: Settings) -> tuple[ReplayResult, SwapResult | None]:
        window = Window(optional_time(since, "--since"), optional_time(until, "--until"))
        return await _replay_then_swap(settings, ReplayRequest(projection, window, shadow, dry_run))

    result, swapped = run(work)
    print_replay(result, dry_run)
    if swapped is not None:
        print_swap(swapped)
    elif result.shadow is not None:
        err.print(f"Next: pressroom projections verify {result.target}, then swap.")


async def _replay_then_swap(
    settings: Settings, request: ReplayRequest
) -> tuple[ReplayResult, SwapResult | None]:
    """A full rebuild without --shadow is a shadow swapped in at once."""
    async with pool_of(settings) as pool:
        with progress_bars() as bars:
            result = await run_replay(settings, pool, request, bars)
        if result.shadow is None or request.shadow:
            return result, None
        return result, await run_swap(settings, pool, result.shadow.schema)


@projections_app.command()
def status() -> None:
    """Each read model's position and lag per partition, its last event time, and the shadows."""

    async def work(settings: Settings) -> ProjectionStatus:
        async with pool_of(settings) as pool:
            return await projection_status(settings, pool)

    print_status(run(work))


@projections_app.command()
def verify(
    schema: Annotated[
        str | None,
        typer.Argument(
            help="A shadow, or projections. Default: the newest built shadow, else projections."
        ),
    ] = None,
) -> None:
    """Compare a read model with a fresh fold of the log up to its position (exit 1 if unequal)."""

    async def work(settings: Settings) -> VerifyResult:
        async with pool_of(settings) as pool:
            with progress_bars() as bars:
                return await run_verify(settings, pool, schema, bars)

    result = run(work)
    print_verify(result)
    if not result.equal:
        raise typer.Exit(1)


@projections_app.command()
def swap(
    schema: Annotated[
        str | None, typer.Argument(help="The shadow (default: the newest built).")
    ] = None,
) -> None:
    """Switch readers to a shadow atomically; the replaced tables are kept until drop-old."""

    async def work(settings: Settings) -> SwapResult:
        async with pool_of(settings) as pool:
            with err.status("Catching up with the live projector, then swapping…"):
                return await run_swap(settings, pool, schema)

    print_swap(run(work))


@projections_app.command("drop-old")
def drop_old(
    name: Annotated[str | None, typer.Argument(help="One old schema or unswapped shadow.")] = None,
) -> None:
    """Drop the tables earlier swaps replaced (or one named schema)."""

    async def work(settings: Settings) -> list[str]:
        async with pool_of(settings) as pool, pool.acquire() as conn:
            return await drop_old_schemas(conn, name)

    dropped = run(work)
    err.print(f"Dropped {', '.join(dropped)}." if dropped else "Nothing to drop.")
