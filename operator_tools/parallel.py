"""A fresh schema rebuilt by several processes at once, one group of partition numbers each.

Every topic is keyed by stream (a release, a subscriber, a command id), with the same number of
partitions, so all of a stream's records sit on one partition number, whichever topic carries
them; every row of the read models belongs to one stream. Two groups of partition numbers
therefore never write the same row, and each group folds its records in the same order as a
single process would (`TimeOrderedMerge` orders records within a group; rows of different
groups never meet). Python folds on one core per process, so a rebuild scales with the cores.

This process folds the biggest group itself (it has everything imported already; a worker
takes a few tenths of a second to start) while `python -m operator_tools.fold_worker` processes
fold the others. A worker that fails stops the rebuild, naming its partitions and its error."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections import defaultdict
from collections.abc import Mapping

from aiokafka import TopicPartition
from pydantic import ValidationError

from operator_tools.errors import OpsError
from operator_tools.fold import FoldStats, FoldTarget, Window
from operator_tools.fold_job import FoldJob, WorkerReport
from operator_tools.kafka_io import OffsetRange, Ranges
from operator_tools.pipeline import fold_log
from operator_tools.progress import Advance
from services.kit.db import Pool
from services.kit.settings import REPO_ROOT, Settings

WORKER_MODULE = "operator_tools.fold_worker"
# Lines of a failed worker's standard error quoted in the error.
ERROR_LINES = 5


def worker_count(settings: Settings) -> int:
    """PRESSROOM_REBUILD_WORKERS, or one per CPU this process may run on when it is 0."""
    return settings.rebuild_workers or len(os.sched_getaffinity(0))


def partition_groups(ranges: Mapping[TopicPartition, OffsetRange], groups: int) -> list[Ranges]:
    """The ranges split into at most `groups` groups of whole partition numbers (every topic's
    partition n together), the records spread as evenly as whole numbers allow (the biggest
    number first, each to the group with the fewest records so far); biggest group first.
    Ranges without records are left out (there is nothing to fold: no process is started for
    them), and so are groups without any."""
    numbers: dict[int, Ranges] = defaultdict(dict)
    for tp, offsets in ranges.items():
        if offsets.count > 0:
            numbers[tp.partition][tp] = offsets
    loads: list[tuple[int, Ranges]] = [(0, {}) for _ in range(max(1, groups))]
    for number in sorted(numbers, key=lambda n: (-_records(numbers[n]), n)):
        lightest = min(range(len(loads)), key=lambda i: loads[i][0])
        load, group = loads[lightest]
        loads[lightest] = (load + _records(numbers[number]), group | numbers[number])
    ordered = sorted(loads, key=lambda loaded: -loaded[0])
    return [group for _, group in ordered if group]


def _records(ranges: Mapping[TopicPartition, OffsetRange]) -> int:
    return sum(r.count for r in ranges.values())


async def fold_in_groups(
    settings: Settings,
    pool: Pool,
    ranges: Ranges,
    target: FoldTarget,
    window: Window,
    advance: Advance,
) -> FoldStats:
    """`fold_log`, with the partition groups of a fresh target folded by parallel processes."""
    groups = partition_groups(ranges, worker_count(settings)) if target.fresh else []
    if len(groups) < 2:
        return await fold_log(settings.kafka_bootstrap, pool, ranges, target, window, advance)
    stats = FoldStats(processes=len(groups))
    jobs = [_job(settings, target, window, group) for group in groups[1:]]
    workers: list[asyncio.subprocess.Process] = []
    try:
        for job in jobs:
            workers.append(await _start(job))
        async with asyncio.TaskGroup() as folds:  # the first failure cancels the rest
            own = folds.create_task(
                fold_log(
                    settings.kafka_bootstrap,
                    pool,
                    groups[0],
                    target,
                    window,
                    advance,
                    fold_in_thread=False,
                )
            )
            for worker, job in zip(workers, jobs, strict=True):
                folds.create_task(_follow(worker, job, stats, advance))
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None
    finally:
        for worker in workers:
            await _stop(worker)
    mine = own.result()
    stats.add(mine.read, mine.folded, mine.dead_letters)
    return stats


def _job(settings: Settings, target: FoldTarget, window: Window, group: Ranges) -> FoldJob:
    return FoldJob.of(
        settings.kafka_bootstrap,
        settings.dsn_for("projector"),
        (target.schema, target.consumer),
        window,
        group,
    )


async def _start(job: FoldJob) -> asyncio.subprocess.Process:
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        WORKER_MODULE,
        cwd=REPO_ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert worker.stdin is not None
    worker.stdin.write(job.model_dump_json().encode())
    await worker.stdin.drain()
    worker.stdin.close()
    return worker


async def _follow(
    worker: asyncio.subprocess.Process, job: FoldJob, stats: FoldStats, advance: Advance
) -> None:
    """Advances the progress with the worker's reports and adds its totals; raises OpsError
    unless it ends well."""
    assert worker.stdout is not None and worker.stderr is not None
    said = asyncio.ensure_future(worker.stderr.read())  # read meanwhile: a full pipe would block it
    try:
        done = False
        async for line in worker.stdout:
            report = _read_report(line, job)
            advance(report.read)
            if report.done is not None:
                done = True
                stats.add(report.done.read, report.done.folded, report.done.dead_letters)
        status = await worker.wait()
        errors = (await said).decode(errors="replace").strip().splitlines()
    finally:
        said.cancel()
    if status != 0 or not done:
        raise OpsError(
            f"the rebuild worker for partitions {_numbers(job)} stopped (exit status {status}):"
            f" {' / '.join(errors[-ERROR_LINES:]) or 'it said nothing'}. Nothing was swapped;"
            " run the replay again, or with PRESSROOM_REBUILD_WORKERS=1 to fold in this process"
            " alone."
        )


def _read_report(line: bytes, job: FoldJob) -> WorkerReport:
    try:
        return WorkerReport.model_validate_json(line)
    except ValidationError as error:
        raise OpsError(
            f"the rebuild worker for partitions {_numbers(job)} wrote {line[:200]!r}, which is"
            f" not a progress report ({error.error_count()} errors); run the replay again"
            " with PRESSROOM_REBUILD_WORKERS=1 to fold in this process alone."
        ) from error


def _numbers(job: FoldJob) -> str:
    return ", ".join(str(n) for n in sorted({r.partition for r in job.ranges}))


async def _stop(worker: asyncio.subprocess.Process) -> None:
    """Ends a worker still running (another failed, or the rebuild was interrupted)."""
    if worker.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            worker.kill()
        await worker.wait()
