"""The pure half of the benchmark: percentiles, ratios, and the results as rich or markdown."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.table import Table

HEADERS = ("Figure", "Value", "Raw counterpart", "Ratio")
NONE = "—"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0-100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def format_ratio(value: float, raw: float | None) -> str:
    """value / raw as "0.38x", "1.0x" or "1,234x"; "—" when there is nothing to divide by."""
    if raw is None or raw <= 0 or math.isnan(value):
        return NONE
    ratio = value / raw
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:#.2g}x"


def format_quantity(value: float, unit: str) -> str:
    """Rates without decimals once they are large; latencies in ms with two decimals below 10."""
    if math.isnan(value):
        return NONE
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:,.1f} ms"
    whole = value >= 100 or float(value).is_integer()
    text = f"{value:,.0f} {unit}" if whole else f"{value:.1f} {unit}"
    return text.rstrip()


@dataclass(frozen=True)
class Figure:
    """One measured figure and, unless it is itself raw, the raw figure it is compared with."""

    section: str
    name: str
    value: float
    unit: str
    counterpart: str = ""
    raw: float | None = None
    raw_unit: str = ""

    def cells(self) -> tuple[str, str, str, str]:
        """Value, counterpart and ratio as printed (the name handled by the caller)."""
        if self.raw is None:
            return self.name, format_quantity(self.value, self.unit), NONE, NONE
        raw = f"{self.counterpart}: {format_quantity(self.raw, self.raw_unit)}"
        # Rates and latencies alike read as "how many times the raw figure".
        return (
            self.name,
            format_quantity(self.value, self.unit),
            raw,
            format_ratio(self.value, self.raw),
        )


@dataclass
class Report:
    """Everything one run prints: where, with what settings, and the figures."""

    title: str
    machine: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)


def rows(figures: Sequence[Figure]) -> list[tuple[str, str, str, str]]:
    """The table rows; a figure compared with two counterparts shows its name once."""
    out: list[tuple[str, str, str, str]] = []
    previous = ""
    for figure in figures:
        name, value, raw, ratio = figure.cells()
        out.append(("" if name == previous else name, value, raw, ratio))
        previous = name
    return out


def rich_table(report: Report) -> Table:
    """The results, one section per group (raw limits first)."""
    table = Table(*HEADERS, title=report.title)
    for column in (1, 3):
        table.columns[column].justify = "right"
    section = report.figures[0].section if report.figures else ""
    for figure, row in zip(report.figures, rows(report.figures), strict=True):
        if figure.section != section:
            table.add_section()
            section = figure.section
        table.add_row(*row)
    return table


def key_value_table(title: str, pairs: dict[str, str]) -> Table:
    """The machine or the settings, one line each."""
    table = Table("", "", title=title, show_header=False)
    for key, value in pairs.items():
        table.add_row(key, value)
    return table


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(
    headers: Sequence[str], body: Sequence[Sequence[str]], align: Sequence[str]
) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in body]
    return lines


def render_markdown(report: Report) -> str:
    """The report as markdown: results, then the machine and the settings."""
    lines = [f"### {report.title}", ""]
    lines += _md_table(HEADERS, rows(report.figures), ("---", "---:", "---", "---:"))
    for heading, pairs in (("Machine", report.machine), ("Settings", report.settings)):
        lines += ["", f"#### {heading}", ""]
        lines += _md_table(("Item", "Value"), list(pairs.items()), ("---", "---"))
    return "\n".join(lines) + "\n"
