"""The running stack's processes, read from /proc: the CPU each used over a measured stretch and
the memory (RSS) each holds. Every Pressroom process `pressroom up` started, the Kafka broker's
JVM (every thread) and PostgreSQL: the postmaster, every live backend, and the backends it
reaped meanwhile (the postmaster counts their CPU when it reaps them)."""

from __future__ import annotations

import os
import resource
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dev_tools.bench.cpu_use import TICKS_PER_SECOND
from dev_tools.infra import kafka, postgres
from dev_tools.stack.processes import app_processes
from services.kit.settings import Settings

POSTGRES = "postgresql (all backends)"
KAFKA = "kafka broker (JVM)"
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def own_and_reaped_seconds(pid: int) -> float | None:
    """utime + stime + cutime + cstime: its own CPU and that of the children it reaped."""
    fields = _stat_fields(pid)
    return None if fields is None else sum(int(t) for t in fields[11:15]) / TICKS_PER_SECOND


def children(pid: int, table: Mapping[int, int]) -> list[int]:
    """Every live descendant of pid, given a {pid: parent pid} table."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in table.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


def parent_table() -> dict[int, int]:
    """{pid: parent pid} of every process now."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            table[int(entry.name)] = int(fields[1])
    return table


def tree_seconds(pid: int, table: Mapping[int, int]) -> float | None:
    """A process and its descendants, live or reaped: a counter that only grows, so the
    difference of two readings is what the whole tree used in between."""
    own = own_and_reaped_seconds(pid)
    if own is None:
        return None
    return own + sum(own_and_reaped_seconds(child) or 0.0 for child in children(pid, table))


def stack_pids(settings: Settings) -> dict[str, int]:
    """The running stack's processes by name; those not running are left out."""
    pids = {p.name: pid for p in app_processes(settings, local_tools=True) if (pid := p.pid())}
    if (broker := kafka.running_pid(settings)) is not None:
        pids[KAFKA] = broker
    if (postmaster := postgres.running_pid(settings)) is not None:
        pids[POSTGRES] = postmaster
    return pids


def cpu_seconds(pids: Mapping[str, int]) -> dict[str, float]:
    """Each named process tree's CPU counter now; only differences mean anything."""
    table = parent_table()
    readings = {name: tree_seconds(pid, table) for name, pid in pids.items()}
    return {name: seconds for name, seconds in readings.items() if seconds is not None}


def cpu_used(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds per process between two readings (processes in both only)."""
    return {name: after[name] - before[name] for name in before if name in after}


def without_bench_backend(used: Mapping[str, float], bench_backend_s: float) -> dict[str, float]:
    """The stack's CPU with the bench's own PostgreSQL backend (its polling connection, a child
    of the postmaster like every service's) taken out of PostgreSQL's share."""
    return {
        name: seconds - bench_backend_s if name == POSTGRES else seconds
        for name, seconds in used.items()
    }


def rss_mb(pid: int) -> float | None:
    """Resident memory in MB (10^6 bytes), from /proc/<pid>/statm."""
    try:
        resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * PAGE_BYTES / 1e6


@dataclass(frozen=True)
class Memory:
    name: str
    rss_mb: float


def memory(pids: Mapping[str, int]) -> list[Memory]:
    """Every stack process's RSS; for PostgreSQL the postmaster and its largest backend."""
    out = [Memory(n, mb) for n, pid in pids.items() if n != POSTGRES and (mb := rss_mb(pid))]
    if (postmaster := pids.get(POSTGRES)) is not None:
        out += _postgres_memory(postmaster, children(postmaster, parent_table()))
    return out


def _postgres_memory(postmaster: int, backends: Iterable[int]) -> list[Memory]:
    """A backend's RSS includes the shared buffers it touched: the largest one is the figure.
    Beside it the largest backend's own memory (RSS less shared memory), since 128 MB of shared
    buffers, one segment for all of them, count in full in every backend that touched them."""
    out = [Memory("postgresql postmaster", mb)] if (mb := rss_mb(postmaster)) else []
    live = list(backends)
    sizes = [mb for pid in live if (mb := rss_mb(pid)) is not None]
    if sizes:
        out.append(Memory("postgresql largest backend", max(sizes)))
    own = [mb for pid in live if (mb := private_mb(pid)) is not None]
    if own:
        out.append(Memory("postgresql largest backend, less shared memory", max(own)))
    return out


def private_mb(pid: int) -> float | None:
    """RSS less its shared memory (RssAnon + RssFile of /proc/<pid>/status), in MB (10^6)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    kib = {k: v.split()[0] for k, _, v in (line.partition(":") for line in lines) if v.strip()}
    try:
        return (int(kib["RssAnon"]) + int(kib["RssFile"])) * 1024 / 1e6
    except (KeyError, ValueError):
        return None


def largest(*samples: list[Memory]) -> list[Memory]:
    """Per process, the largest of several samples (in the order first seen)."""
    most: dict[str, float] = {}
    for sample in samples:
        for m in sample:
            most[m.name] = max(m.rss_mb, most.get(m.name, 0.0))
    return [Memory(name, mb) for name, mb in most.items()]


def own_seconds() -> float:
    """This process's own CPU (the bench's client side), apart from the stack's."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
