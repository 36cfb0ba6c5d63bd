"""`pressroom lag`, `pressroom export FILE.jsonl` and `pressroom import FILE.jsonl`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from operator_tools.cli.common import err, out, pool_of, progress_bars, run
from operator_tools.errors import OpsError
from operator_tools.export import ExportSummary, export_log
from operator_tools.lag import PartitionLag, consumer_lag
from operator_tools.restore import ImportSummary, import_log
from services.kit.settings import Settings

FileArgument = Annotated[Path, typer.Argument(help="A JSON lines file (CloudEvents).")]


def lag() -> None:
    """Consumer lag of every service's group, per partition (the projector's from PostgreSQL)."""

    async def work(settings: Settings) -> tuple[list[PartitionLag], list[str]]:
        async with pool_of(settings) as pool:
            return await consumer_lag(settings, pool)

    rows, idle = run(work)
    table = Table("group", "topic", "partition", "position", "end", "lag", "from", title="Lag")
    for row in rows:
        table.add_row(
            row.group,
            row.topic,
            str(row.partition),
            str(row.committed),
            str(row.end),
            str(row.lag),
            row.source,
        )
    out.print(table)
    total = sum(row.lag for row in rows)
    err.print(
        f"{total} records behind in all." + (f" No offsets yet: {', '.join(idle)}." if idle else "")
    )


def export(path: FileArgument) -> None:
    """Write the whole log (every events topic, the command outcomes) as CloudEvents JSON lines."""

    async def work(settings: Settings) -> ExportSummary:
        if not path.parent.is_dir():
            raise OpsError(f"{path.parent} is not a folder")
        with progress_bars() as bars:
            return await export_log(settings.kafka_bootstrap, path, bars)

    summary = run(work)
    topics = ", ".join(f"{topic} {n}" for topic, n in summary.per_topic.items())
    err.print(
        f"Exported {summary.records} records to {path} ({topics}); {summary.raw} not"
        " CloudEvents, kept as pressroom.export.RawRecord.v1."
    )


def import_(path: FileArgument) -> None:
    """Restore an export into an empty cluster: same partitions, keys, headers, order."""

    async def work(settings: Settings) -> ImportSummary:
        with progress_bars() as bars:
            return await import_log(settings, path, bars)

    summary = run(work)
    topics = ", ".join(f"{topic} {n}" for topic, n in summary.per_topic.items())
    err.print(
        f"Imported {summary.records} records ({topics}); {summary.moved} at another offset"
        " than in the export. Next: pressroom replay all."
    )
