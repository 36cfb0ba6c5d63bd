"""Issue 15's targets: each measured figure against its goal, met or not, and the run as JSON
(so docs/benchmarks.md can be regenerated from a run)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.table import Table

from dev_tools.bench.report import NONE, Report, format_quantity, format_ratio

Goal = Literal["at least", "at most"]
SUMMARY_HEADERS = ("Figure", "Measured", "Target", "Ratio", "Verdict")


@dataclass(frozen=True)
class Target:
    """A measured figure and its goal: `at least` (rates) or `at most` (latencies, costs)."""

    name: str
    measured: float
    unit: str
    target: float
    goal: Goal = "at least"

    @property
    def met(self) -> bool | None:
        """None when nothing was measured (a section that failed or had no samples)."""
        if math.isnan(self.measured):
            return None
        if self.goal == "at least":
            return self.measured >= self.target
        return self.measured <= self.target

    def cells(self) -> tuple[str, str, str, str, str]:
        verdict = {True: "met", False: "NOT met", None: NONE}[self.met]
        wanted = (
            f"{'≥' if self.goal == 'at least' else '≤'} {format_quantity(self.target, self.unit)}"
        )
        return (
            self.name,
            format_quantity(self.measured, self.unit),
            wanted,
            format_ratio(self.measured, self.target),
            verdict,
        )


def summary_table(targets: list[Target]) -> Table:
    """The issue's targets, one line each: the ratio is measured / target."""
    table = Table(*SUMMARY_HEADERS, title="Targets (issue 15)")
    for column in (1, 2, 3):
        table.columns[column].justify = "right"
    for target in targets:
        verdict = target.cells()
        style = {True: "green", False: "red", None: "yellow"}[target.met]
        table.add_row(*verdict[:4], f"[{style}]{verdict[4]}[/{style}]")
    return table


def summary_markdown(targets: list[Target], failures: Sequence[str] = ()) -> str:
    lines = [
        "#### Targets",
        "",
        "| " + " | ".join(SUMMARY_HEADERS) + " |",
        "|---|---:|---:|---:|---|",
    ]
    lines += ["| " + " | ".join(t.cells()) + " |" for t in targets]
    lines += ["", *(f"- failed: {failure}" for failure in failures)] if failures else []
    return "\n".join(lines) + "\n"


def _number(value: float | None) -> float | None:
    """JSON has no NaN: an unmeasured figure is null."""
    return None if value is None or math.isnan(value) else value


def report_json(report: Report, targets: list[Target], failures: list[str]) -> dict[str, Any]:
    """The whole run, figures and targets, as plain JSON-able data."""
    figures = [
        {**dataclasses.asdict(f), "value": _number(f.value), "raw": _number(f.raw)}
        for f in report.figures
    ]
    return {
        "title": report.title,
        "machine": report.machine,
        "settings": report.settings,
        "figures": figures,
        "targets": [
            {**dataclasses.asdict(t), "measured": _number(t.measured), "met": t.met}
            for t in targets
        ],
        "failures": failures,
    }
