"""`pressroom bench`: a benchmark, not a test; it measures and prints, it never asserts."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dev_tools.bench.code_paths import code_paths_report
from dev_tools.bench.drafting import BenchFailed
from dev_tools.bench.peer import PeerMissing
from dev_tools.bench.preflight import StackDown
from dev_tools.bench.report import Report, key_value_table, render_markdown, rich_table
from dev_tools.bench.run import QUICK, BenchConfig, BenchRun, run_bench
from dev_tools.bench.storm_report import run_storm_bench, verdict
from dev_tools.bench.targets import report_json, summary_markdown, summary_table
from dev_tools.stack import keys as local_keys
from services.kit.command_auth import CommandKeysMissing, KeysFileError
from services.kit.settings import load_settings

console = Console()
T = TypeVar("T")
# Every count is at least one and every rate positive: `--rate -5` sent everything at once and
# printed "asked: -5 req/s", `-m 0` printed a pipeline of 0 cmd/s as a figure "NOT met".
MIN_RATE = 0.1
# A lift must lie after the embargo is set; the lifecycle asks one second.
MIN_EMBARGO_AHEAD_S = 0.1


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    )  # fmt: skip


def _show(report: Report) -> None:
    console.print(rich_table(report))
    console.print(key_value_table("Machine", report.machine))
    console.print(key_value_table("Settings", report.settings))


def bench(
    what: Annotated[
        str | None,
        typer.Argument(
            help="'storm': the embargo storm alone; 'paths': the per-message code alone, no"
            " stack (docs/benchmarks.md)."
        ),
    ] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Small counts: a smoke run.")] = False,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Also write the results as markdown here.")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the results as JSON here.")
    ] = None,
    messages: Annotated[
        int | None, typer.Option("-n", min=1, help="Kafka loop records (N).")
    ] = None,
    commands: Annotated[
        int | None, typer.Option("-m", min=1, help="CreateDraft commands (M).")
    ] = None,
    warm_up: Annotated[
        int | None,
        typer.Option(
            "--warm-up", min=1, help="CreateDrafts sent first, not counted (printed apart)."
        ),
    ] = None,
    requests: Annotated[
        int | None, typer.Option("-k", min=1, help="HTTP requests at --rate.")
    ] = None,
    rate: Annotated[
        float | None, typer.Option("--rate", min=MIN_RATE, help="HTTP requests/s.")
    ] = None,
    requests_high: Annotated[
        int | None, typer.Option("--requests-high", min=1, help="HTTP requests at --rate-high.")
    ] = None,
    rate_high: Annotated[
        float | None, typer.Option("--rate-high", min=MIN_RATE, help="The high HTTP rate (req/s).")
    ] = None,
    peer: Annotated[
        int | None, typer.Option("--peer", min=1, help="Peer aggregates saved.")
    ] = None,
    lifecycles: Annotated[
        int | None, typer.Option("--lifecycles", min=1, help="Whole releases to the public feed.")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, help="Whole releases in flight.")
    ] = None,
    kafka_lifecycles: Annotated[
        int | None,
        typer.Option(
            "--kafka-lifecycles", min=1, help="Whole releases driven by signed Kafka commands."
        ),
    ] = None,
    kafka_concurrency: Annotated[
        int | None,
        typer.Option("--kafka-concurrency", min=1, help="Kafka-driven whole releases in flight."),
    ] = None,
    embargo_ahead: Annotated[
        float | None,
        typer.Option(
            "--embargo-ahead",
            min=MIN_EMBARGO_AHEAD_S,
            help="Lifecycle: lift_at this many s after the embargo.",
        ),
    ] = None,
    rebuild_events: Annotated[
        int | None, typer.Option("--rebuild-events", min=1_000, help="Rebuild: events.")
    ] = None,
    releases: Annotated[
        int | None, typer.Option("--releases", min=1, help="Storm: releases.")
    ] = None,
    lead: Annotated[
        float | None,
        typer.Option(
            "--lead",
            min=5.0,
            max=600.0,
            help="Storm: seconds from the start to lift_at (`bench storm`: 20, --quick 10; the"
            " full bench, under load: 30, --quick 20); longer on a busy machine.",
        ),
    ] = None,
) -> None:
    """Measure this machine's raw Kafka and PostgreSQL limits and the eventsourcing peer, then the
    pipeline, latency, whole releases, cost, memory and the storm under load against them, with
    issue 15's targets; `bench storm`: the storm alone, beside bare asyncio timers; `bench paths`:
    CPU per command, lift and rebuilt event of the code alone (-m items, no stack needed)."""
    if what == "paths":
        return paths(commands or (500 if quick else 5_000), 2 if quick else 5, markdown)
    # aiokafka logs every failed connection attempt; the outcome is reported below, once.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    _sign_as_the_local_stack_tools()
    if what is not None:
        lead_s = lead if lead is not None else (10.0 if quick else 20.0)
        count = releases if releases is not None else (100 if quick else 1_000)
        return storm(what, count, lead_s, markdown)
    config = (QUICK if quick else BenchConfig()).with_overrides(
        messages=messages, commands=commands, warm_up_commands=warm_up, requests=requests,
        rate=rate,
        requests_high=requests_high, rate_high=rate_high, peer_aggregates=peer,
        lifecycles=lifecycles, concurrency=concurrency, embargo_ahead_s=embargo_ahead,
        kafka_lifecycles=kafka_lifecycles, kafka_concurrency=kafka_concurrency,
        rebuild_events=rebuild_events, storm_releases=releases,
        storm_lead_s=lead,
    )  # fmt: skip
    run = _measured(lambda progress: run_bench(load_settings(), config, progress))
    _show(run.report)
    console.print(summary_table(run.targets))
    for failure in run.failures:
        console.print(f"[yellow]failed:[/yellow] {failure}")
    _write(run, markdown, json_out)


def _write(run: BenchRun, markdown: Path | None, json_out: Path | None) -> None:
    if markdown is not None:
        text = render_markdown(run.report) + "\n" + summary_markdown(run.targets, run.failures)
        _save_markdown(markdown, text)
    if json_out is not None:
        json_out.write_text(
            json.dumps(report_json(run.report, run.targets, run.failures), indent=2) + "\n"
        )
        console.print(f"JSON written to {json_out}")


def paths(count: int, rounds: int, markdown: Path | None) -> None:
    with console.status(f"Timing the code paths, {count:,} items, best of {rounds}"):
        report = code_paths_report(count, rounds)
    _show(report)
    if markdown is not None:
        _save_markdown(markdown, render_markdown(report))


def storm(what: str, releases: int, lead_s: float, markdown: Path | None) -> None:
    if what != "storm":
        console.print(
            f"[red]No benchmark called {what!r}[/red]: try `pressroom bench storm` or"
            " `pressroom bench paths`"
        )
        raise typer.Exit(2)
    report, results = _measured(
        lambda progress: run_storm_bench(load_settings(), releases, lead_s, progress)
    )
    _show(report)
    console.print(verdict(results))
    if markdown is not None:
        _save_markdown(markdown, render_markdown(report) + f"\n{verdict(results)}\n")


def _save_markdown(path: Path, text: str) -> None:
    path.write_text(text)
    console.print(f"Markdown written to {path}")


def _sign_as_the_local_stack_tools() -> None:
    """The bench drives the local stack (`make bench` starts it), whose services take signed
    commands only: unless a signing key is configured, it signs as the stack's own tools do,
    with the key `make up` made in the stack's data folder (dev_tools/stack/keys.py)."""
    os.environ.update(local_keys.tool_signing_env(load_settings()))


def _measured(run: Callable[[Progress], Coroutine[Any, Any, T]]) -> T:
    """Runs a benchmark with a progress display; a stack that is down or a failed run exits
    with a line saying what to do."""
    try:
        with _progress() as progress:
            return asyncio.run(run(progress))
    except StackDown as error:
        console.print(f"[red]The local stack is not up:[/red] {error}\nrun make up first")
        raise typer.Exit(2) from error
    except PeerMissing as error:
        console.print(f"[red]The peer is missing:[/red] {error}")
        raise typer.Exit(2) from error
    except BenchFailed as error:
        console.print(f"[red]The benchmark stopped:[/red] {error}")
        raise typer.Exit(1) from error
    except (CommandKeysMissing, KeysFileError) as error:
        console.print(f"[red]The benchmark cannot sign its commands:[/red] {error}")
        raise typer.Exit(2) from error
