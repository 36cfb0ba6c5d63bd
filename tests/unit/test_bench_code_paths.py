"""`pressroom bench paths`: each code path does the work it is timed for, and the report names
it with a CPU figure per item (the figure's size is the benchmark's business, not the test's)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dev_tools.bench.code_paths import (
    PathBroken,
    best_us_per_item,
    code_paths_report,
    drafting_command,
    embargo_lift,
    rebuild_fold,
    rebuild_route,
    signature_check,
)
from dev_tools.bench.report import render_markdown


@pytest.mark.parametrize(
    "path", [drafting_command, signature_check, embargo_lift, rebuild_route, rebuild_fold]
)
def test_each_path_handles_every_item_it_is_given(path: Callable[[int], Callable[[], int]]) -> None:
    run = path(40)
    assert run() >= 40  # the rebuild folds whole lifecycles: a multiple of four events


def test_a_path_that_stops_working_stops_the_benchmark() -> None:
    def broken() -> int:
        raise PathBroken("the lift was not decided")

    with pytest.raises(PathBroken):
        best_us_per_item(broken, 1)


def test_the_report_has_a_cpu_figure_per_path() -> None:
    report = code_paths_report(20, 1)
    assert [f.unit for f in report.figures] == ["µs"] * 5
    assert all(f.value > 0 for f in report.figures)
    markdown = render_markdown(report)
    assert "drafting: one CreateDraft" in markdown and "rounds (best kept)" in markdown
