"""`pressroom bench` refuses counts and rates that measure nothing, before it touches the stack:
`--rate -5` sent every request at once and printed "asked: -5 req/s", `-m 0` printed a pipeline
of 0 cmd/s as a figure "NOT met"."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("-n", "0"),
        ("-m", "0"),
        ("-k", "0"),
        ("--rate", "-5"),
        ("--rate", "0"),
        ("--requests-high", "0"),
        ("--rate-high", "0"),
        ("--peer", "0"),
        ("--lifecycles", "0"),
        ("--concurrency", "0"),
        ("--kafka-lifecycles", "-1"),
        ("--kafka-concurrency", "0"),
        ("--embargo-ahead", "0"),
        ("--releases", "0"),
    ],
)
def test_a_count_or_rate_that_measures_nothing_is_refused_by_name(option: str, value: str) -> None:
    result = CliRunner().invoke(app, ["bench", option, value])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.replace("│", " ").split())  # rich wraps the box at 80 columns
    assert f"Invalid value for '{option}': Input should be greater than or equal to" in said
