"""Whose CPU a measured stretch used: this process and the children it waited for (a rebuild's
worker processes), the PostgreSQL backends that ended meanwhile (the rebuild's connections; the
postmaster counts each backend's CPU when it reaps it) and the Kafka broker. A rebuild is
CPU-bound, so the CPU it needs per event bounds its rate on this machine's CPUs whatever the
code does: the benchmark prints that ceiling beside the rate."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

from dev_tools.infra import kafka, postgres
from services.kit.settings import Settings

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds; None where the process could not be read (not on this machine, not Linux)."""

    python: float
    postgres: float | None
    kafka: float | None

    def __sub__(self, earlier: CpuUse) -> CpuUse:
        return CpuUse(
            self.python - earlier.python,
            _minus(self.postgres, earlier.postgres),
            _minus(self.kafka, earlier.kafka),
        )

    @property
    def total(self) -> float:
        return self.python + (self.postgres or 0.0) + (self.kafka or 0.0)


def cpu_use(settings: Settings) -> CpuUse:
    """The counters now; only differences (`later - earlier`) mean anything."""
    return CpuUse(
        python=_own_and_waited_children(),
        # utime, stime, cutime, cstime: the postmaster's own and its reaped backends'.
        postgres=_proc_seconds(postgres.running_pid(settings), fields=4),
        kafka=_proc_seconds(kafka.running_pid(settings), fields=2),  # every thread of the JVM
    )


def ceiling(cpus: int, seconds_per_event: float) -> float:
    """Events per second if every CPU did nothing but this work."""
    return cpus / seconds_per_event if seconds_per_event > 0 else float("nan")


def _own_and_waited_children() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _proc_seconds(pid: int | None, fields: int) -> float | None:
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may hold spaces) start at the state, field 3.
    after_name = stat.rsplit(")", 1)[1].split()
    return sum(int(tick) for tick in after_name[11 : 11 + fields]) / TICKS_PER_SECOND


def _minus(later: float | None, earlier: float | None) -> float | None:
    return None if later is None or earlier is None else later - earlier
