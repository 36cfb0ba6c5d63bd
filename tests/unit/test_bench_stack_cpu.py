"""The stack's CPU per command leaves out the bench's own work: its PostgreSQL connection is a
backend of the postmaster like every service's, so its polling of the read model was counted as
PostgreSQL's (dev_tools/bench/stack_procs.py::without_bench_backend)."""

from __future__ import annotations

import pytest

from dev_tools.bench.stack_procs import KAFKA, POSTGRES, without_bench_backend


def test_the_bench_s_backend_comes_out_of_postgresql_s_share_only() -> None:
    used = {POSTGRES: 3.0, KAFKA: 1.0, "drafting": 2.0}
    assert without_bench_backend(used, 0.75) == {POSTGRES: 2.25, KAFKA: 1.0, "drafting": 2.0}


def test_nothing_changes_without_postgresql_in_the_stack() -> None:
    assert without_bench_backend({"drafting": 2.0}, 0.5) == {"drafting": 2.0}


def test_a_bench_backend_that_used_nothing_changes_nothing() -> None:
    used = {POSTGRES: 3.0}
    assert without_bench_backend(used, 0.0) == pytest.approx(used)
