"""`python -m operator_tools.fold_worker`: one rebuild worker process. It reads a `FoldJob` (JSON)
on standard input, folds its partitions into the job's fresh schema with the same code as the
process that started it, and reports progress as `WorkerReport` JSON lines on standard output.
Exit status: 0 done, 1 the fold failed, 2 the job was not valid; the reason goes to stderr."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

import asyncpg
from pydantic import ValidationError

from operator_tools.fold import FoldStats, FoldTarget
from operator_tools.fold_job import FoldJob, WorkerReport, WorkerTotals
from operator_tools.pipeline import fold_log
from services.kit.logging import configure_logging
from services.kit.settings import Settings

NAME = "rebuild worker"


def _report(reports: TextIO, line: WorkerReport) -> None:
    reports.write(line.model_dump_json(exclude_none=True) + "\n")
    reports.flush()


async def run(job: FoldJob, reports: TextIO) -> FoldStats:
    """The job's partitions folded; each batch reported as it is written."""
    pool = await asyncpg.create_pool(job.pg_dsn, min_size=1, max_size=2)
    try:
        target = FoldTarget(job.schema_name, consumer=job.consumer)
        return await fold_log(
            job.kafka_bootstrap,
            pool,
            job.offset_ranges(),
            target,
            job.window,
            lambda read: _report(reports, WorkerReport(read=read)),
            fold_in_thread=False,  # the other processes keep the CPUs busy
        )
    finally:
        await pool.close()


def main() -> int:
    # Standard output carries the reports only: anything else printing (a library, a log line)
    # goes to standard error, where the parent quotes it if this worker fails.
    reports, sys.stdout = sys.stdout, sys.stderr
    try:
        job = FoldJob.model_validate_json(sys.stdin.buffer.read())
    except ValidationError as error:
        print(f"{NAME}: the job on standard input is not valid: {error}", file=sys.stderr)
        return 2
    try:
        configure_logging(Settings(), NAME.replace(" ", "-"))
        stats = asyncio.run(run(job, reports))
    except Exception as error:  # reported to the parent, which names the partitions and stops
        print(f"{NAME}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    _report(reports, WorkerReport(done=WorkerTotals.of(stats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
