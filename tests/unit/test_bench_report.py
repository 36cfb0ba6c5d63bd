"""The pure parts of `pressroom bench`: percentiles, ratios, and the markdown it writes."""

from __future__ import annotations

import pytest

from dev_tools.bench.report import (
    Figure,
    Report,
    format_quantity,
    format_ratio,
    percentile,
    render_markdown,
    rows,
)


@pytest.mark.parametrize(("q", "expected"), [(0, 1.0), (50, 5.5), (99, 9.91), (100, 10.0)])
def test_percentile_interpolates_between_closest_ranks(q: float, expected: float) -> None:
    assert percentile([10, 3, 1, 2, 4, 5, 6, 7, 8, 9], q) == pytest.approx(expected)


def test_percentile_of_one_value_is_that_value() -> None:
    assert percentile([4.2], 99) == 4.2


@pytest.mark.parametrize(("values", "q"), [([], 50), ([1.0], 101), ([1.0], -1)])
def test_percentile_refuses_nonsense(values: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, q)


@pytest.mark.parametrize(
    ("value", "raw", "expected"),
    [
        (38, 100, "0.38x"),
        (83, 10, "8.3x"),
        (10, 10, "1.0x"),
        (12_340, 10, "1,234x"),
        (1, 8_100, "0.00012x"),
    ],
)
def test_ratio_has_two_significant_digits_below_ten(
    value: float, raw: float, expected: str
) -> None:
    assert format_ratio(value, raw) == expected


@pytest.mark.parametrize("raw", [None, 0.0, -1.0])
def test_ratio_without_a_counterpart_is_a_dash(raw: float | None) -> None:
    assert format_ratio(5, raw) == "—"


def test_quantities_round_for_reading() -> None:
    assert format_quantity(25_412.7, "msg/s") == "25,413 msg/s"
    assert format_quantity(42.25, "cmd/s") == "42.2 cmd/s"
    assert format_quantity(0, "failed") == "0 failed"
    assert format_quantity(3, "") == "3"
    assert format_quantity(3.14159, "ms") == "3.14 ms"
    assert format_quantity(1234.56, "ms") == "1,234.6 ms"
    assert format_quantity(float("nan"), "ms") == "—"


def _report() -> Report:
    return Report(
        title="bench",
        machine={"CPU": "Xeon | 2 cores"},
        settings={"N": "20,000"},
        figures=[
            Figure("raw", "Kafka loop", 20_000, "msg/s"),
            Figure("drafting", "Commands", 400, "cmd/s", "Kafka loop", 20_000, "msg/s"),
            Figure("drafting", "Commands", 400, "cmd/s", "1-row commits", 800, "commits/s"),
        ],
    )


def test_a_figure_with_two_counterparts_shows_its_name_once() -> None:
    names = [row[0] for row in rows(_report().figures)]
    assert names == ["Kafka loop", "Commands", ""]


def test_markdown_has_the_results_then_the_machine_and_settings() -> None:
    markdown = render_markdown(_report())
    lines = markdown.splitlines()
    assert lines[0] == "### bench"
    assert "| Figure | Value | Raw counterpart | Ratio |" in lines
    assert "|---|---:|---|---:|" in lines
    assert "| Kafka loop | 20,000 msg/s | — | — |" in lines
    assert "| Commands | 400 cmd/s | Kafka loop: 20,000 msg/s | 0.020x |" in lines
    assert "|  | 400 cmd/s | 1-row commits: 800 commits/s | 0.50x |" in lines
    assert markdown.index("#### Machine") < markdown.index("#### Settings")
    assert "| CPU | Xeon \\| 2 cores |" in lines  # a pipe in a value must not split the cell
