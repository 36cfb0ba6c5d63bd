"""`pressroom bench-rebuild`: rebuild rate against the raw consume and COPY rates of this run."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dev_tools.bench.rebuild import run_rebuild_bench
from dev_tools.bench.report import key_value_table, render_markdown, rich_table
from operator_tools.cli.common import UNREACHABLE, err, fail, out
from services.kit.settings import load_settings

EventsOption = Annotated[int, typer.Option("-n", "--events", min=1_000, help="Events to rebuild.")]
MarkdownOption = Annotated[Path | None, typer.Option("--markdown", help="Also write it here.")]
COLUMNS = (TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(),
           TimeElapsedColumn())  # fmt: skip


def bench_rebuild(events: EventsOption = 100_000, markdown: MarkdownOption = None) -> None:
    """Measure a rebuild from offset 0 beside raw aiokafka consume and asyncpg COPY rates."""
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    settings = load_settings()
    try:
        with Progress(*COLUMNS, console=err) as progress:
            report = asyncio.run(run_rebuild_bench(settings, events, progress))
    except UNREACHABLE as error:
        raise fail(f"the local stack is not up ({error!r}); run make up first") from None
    out.print(rich_table(report))
    out.print(key_value_table("Machine", report.machine))
    out.print(key_value_table("Settings", report.settings))
    if markdown is not None:
        markdown.write_text(render_markdown(report))
        err.print(f"Markdown written to {markdown}")
