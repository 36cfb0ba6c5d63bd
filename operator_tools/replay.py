"""`pressroom replay`: the log from offset 0 (or a window of it) folded into a shadow schema, or a
window re-applied to the live read models. A full replay without --shadow swaps when built."""

from __future__ import annotations

from dataclasses import dataclass

from operator_tools.errors import OpsError
from operator_tools.fold import WHOLE_LOG, FoldStats, FoldTarget, Window
from operator_tools.kafka_io import Ranges, log_ranges
from operator_tools.parallel import fold_in_groups
from operator_tools.progress import SILENT, ProgressSink
from operator_tools.schemas import LIVE, create_projection_schema, ensure_ops, resolve_projection
from operator_tools.shadows import Shadow, new_shadow, set_state
from services.kit.consumer_groups import PROJECTED_TOPICS
from services.kit.db import Pool
from services.kit.settings import Settings
from services.projector.store import ProjectionStore


@dataclass(frozen=True)
class ReplayRequest:
    projection: str = "all"
    window: Window = WHOLE_LOG
    shadow: bool = False
    dry_run: bool = False

    @property
    def in_place(self) -> bool:
        """A window without --shadow is re-applied to the live read models (idempotently)."""
        return not self.shadow and not self.window.whole


@dataclass
class ReplayResult:
    ranges: Ranges
    target: str  # the schema written, or "" for a dry run
    stats: FoldStats
    shadow: Shadow | None = None


async def replay(
    settings: Settings, pool: Pool, request: ReplayRequest, progress: ProgressSink = SILENT
) -> ReplayResult:
    """Checks the request, plans the offset ranges, then folds them (unless a dry run)."""
    _check_window(request.window)
    async with pool.acquire() as conn:
        await ensure_ops(conn)
        await resolve_projection(conn, request.projection)
    ranges = await log_ranges(settings.kafka_bootstrap, PROJECTED_TOPICS, request.window.since)
    if request.dry_run:
        return ReplayResult(ranges, "", FoldStats())
    if request.in_place:
        target = FoldTarget(LIVE, consumer=None, sole_writer=False, notify=True)
        stats = await fold_ranges(settings, pool, ranges, target, request.window, progress)
        return ReplayResult(ranges, LIVE, stats)
    return await build_shadow(settings, pool, request, ranges, progress)


async def build_shadow(
    settings: Settings,
    pool: Pool,
    request: ReplayRequest,
    ranges: Ranges,
    progress: ProgressSink,
) -> ReplayResult:
    """A new `projections_shadow_<n>`, folded from nothing while the live projector serves."""
    async with pool.acquire() as conn:
        shadow = await new_shadow(conn, request.projection, request.window)
        await create_projection_schema(conn, shadow.schema)
    try:
        target = FoldTarget(shadow.schema)
        stats = await fold_ranges(settings, pool, ranges, target, request.window, progress)
    except BaseException:
        async with pool.acquire() as conn:
            await set_state(conn, shadow.schema, "failed")
        raise
    async with pool.acquire() as conn:
        await set_state(conn, shadow.schema, "built", stats.read)
    return ReplayResult(ranges, shadow.schema, stats, shadow)


async def fold_ranges(
    settings: Settings,
    pool: Pool,
    ranges: Ranges,
    target: FoldTarget,
    window: Window,
    progress: ProgressSink,
) -> FoldStats:
    """Every record of the ranges, batch by batch; the target's offsets end at the ranges' ends."""
    advance = progress.task(f"Folding into {target.schema}", sum(r.count for r in ranges.values()))
    stats = await fold_in_groups(settings, pool, ranges, target, window, advance)
    if target.consumer is not None:
        # Gaps at the end of a range (transaction markers) still count as read.
        ends = {(tp.topic, tp.partition): r.end for tp, r in ranges.items() if r.end > 0}
        async with pool.acquire() as conn:
            await ProjectionStore(target.schema).store_offsets(conn, target.consumer, ends)
    return stats


def _check_window(window: Window) -> None:
    if window.since and window.until and window.until <= window.since:
        raise OpsError("--until must be later than --since")
