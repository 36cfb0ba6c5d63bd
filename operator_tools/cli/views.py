"""How replay, verify, swap and status results read in a terminal: tables and summaries."""

from __future__ import annotations

from rich.table import Table

from operator_tools.checksums import TableComparison
from operator_tools.cli.common import err, out
from operator_tools.replay import ReplayResult
from operator_tools.status import ProjectionStatus
from operator_tools.swap import SwapResult
from operator_tools.verify import VerifyResult


def print_replay(result: ReplayResult, dry_run: bool) -> None:
    if dry_run:
        _print_ranges(result)
        return
    s = result.stats
    err.print(
        f"Replayed into [bold]{result.target}[/]: {s.read} records read, {s.folded} folded,"
        f" {s.outside_window} outside the window, {s.dead_letters} parked as dead letters,"
        f" in {s.seconds:.1f} s ({s.rate:,.0f} records/s)"
        + (f", by {s.processes} processes." if s.processes > 1 else ".")
    )


def _print_ranges(result: ReplayResult) -> None:
    table = Table("topic", "partition", "from offset", "to offset", "records",
                  title="Would replay (nothing written)")  # fmt: skip
    for tp, offsets in sorted(result.ranges.items()):
        row = (tp.topic, tp.partition, offsets.start, offsets.end, offsets.count)
        table.add_row(*map(str, row))
    out.print(table)
    total = sum(r.count for r in result.ranges.values())
    err.print(f"{total} records in range; records stamped after --until are read and skipped.")


def print_swap(result: SwapResult) -> None:
    err.print(
        f"Swapped {result.shadow.schema} into projections ({', '.join(result.tables)});"
        f" {result.caught_up} records caught up; readers waited at most"
        f" {result.seconds_locked * 1000:.0f} ms. The replaced tables are in"
        f" {result.shadow.old_name} until `pressroom projections drop-old`."
    )


def print_verify(result: VerifyResult) -> None:
    table = Table(
        "table",
        "rows",
        "fresh fold",
        "checksum",
        "fresh checksum",
        "differences",
        title=f"{result.schema} against a fresh fold of {result.records} records",
    )
    for compared in result.tables:
        table.add_row(
            compared.table,
            str(compared.target.count),
            str(compared.fresh.count),
            compared.target.checksum,
            compared.fresh.checksum,
            _differences(compared),
        )
    out.print(table)
    verdict = "[green]equal[/]" if result.equal else "[red]different[/]"
    err.print(f"{result.schema} is {verdict} to a fresh fold of the log.")


def _differences(compared: TableComparison) -> str:
    if compared.equal:
        return "none"
    lines = []
    for label, found in (
        ("missing", compared.missing),
        ("unexpected", compared.unexpected),
        ("changed", compared.changed),
    ):
        if found.count:
            more = (
                f" (+{found.count - len(found.examples)} more)"
                if found.count > len(found.examples)
                else ""
            )
            lines.append(f"{found.count} {label}: {', '.join(found.examples)}{more}")
    return "\n".join(lines)


def print_status(status: ProjectionStatus) -> None:
    table = Table("schema", "topic", "partition", "position", "end", "lag", "last event",
                  title="Read models")  # fmt: skip
    for row in status.partitions:
        last = row.last_event_at.isoformat(timespec="seconds") if row.last_event_at else "—"
        cells = (row.schema, row.topic, row.partition, row.position, row.end, row.lag, last)
        table.add_row(*map(str, cells))
    out.print(table)
    if status.shadows:
        out.print(_shadows_table(status))


def _shadows_table(status: ProjectionStatus) -> Table:
    table = Table("schema", "projection", "window", "state", "records", "old tables",
                  title="Shadow rebuilds")  # fmt: skip
    for s in status.shadows:
        window = "whole log" if s.window.whole else f"{s.window.since} to {s.window.until}"
        table.add_row(s.schema, s.projection, window, s.state, str(s.records), s.old_schema or "—")
    return table
