"""What the benchmark ran on: CPU, memory, Python, Kafka and PostgreSQL, and how loaded it was."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import asyncpg

from dev_tools.infra.kafka_dist import kafka_version_of, lib_dir
from services.kit.settings import Settings

# The durability settings that decide what a commit costs.
PG_SETTINGS = ("server_version", "fsync", "synchronous_commit", "full_page_writes")


def _proc_field(path: str, name: str) -> str:
    """The first `name: value` line of a /proc file, or "?" off Linux."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return "?"
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return "?"


def cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name")


def memory() -> str:
    """MemTotal in GiB."""
    total = _proc_field("/proc/meminfo", "MemTotal")
    if not total.endswith(" kB"):
        return total
    return f"{int(total.removesuffix(' kB')) / 1024**2:.1f} GiB"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` prints them."""
    return " / ".join(f"{load:.2f}" for load in os.getloadavg())


def cpu_times() -> tuple[int, int]:
    """(busy, total) clock ticks of every CPU since boot, from /proc/stat; (0, 0) off Linux."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0, 0
    ticks = [int(field) for field in first[1:9]]  # user … steal; guest is inside user already
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # minus idle and iowait


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> str:
    """How busy the whole machine was between two cpu_times(), whoever kept it busy."""
    busy, total = after[0] - before[0], after[1] - before[1]
    cpus = len(os.sched_getaffinity(0))
    return f"{busy / total:.0%} of {cpus} CPUs" if total > 0 else "?"


def kafka_version(settings: Settings) -> str:
    """The version of the broker jars the local stack runs (settings.kafka_version if unknown)."""
    return kafka_version_of(lib_dir(settings)) or f"{settings.kafka_version} (configured)"


async def postgres_settings(conn: asyncpg.Connection) -> dict[str, str]:
    """SHOW of each durability setting, and the server version."""
    return {name: str(await conn.fetchval(f"SHOW {name}")) for name in PG_SETTINGS}


def machine(settings: Settings, pg: dict[str, str]) -> dict[str, str]:
    """The machine section of the report (the load averages are added around the run)."""
    return {
        "CPU": cpu_model(),
        "nproc": str(len(os.sched_getaffinity(0))),
        "memory": memory(),
        "Python": platform.python_version(),
        "Kafka": kafka_version(settings),
        "PostgreSQL": pg["server_version"],
        "PostgreSQL durability": (
            f"fsync={pg['fsync']}, synchronous_commit={pg['synchronous_commit']}, "
            f"full_page_writes={pg['full_page_writes']}"
        ),
    }


def conditions(load_before: str, cpu_before: tuple[int, int]) -> dict[str, str]:
    """How loaded the machine was: the load averages around the run, and its CPU use during it."""
    return {
        "load average before (1/5/15 min)": load_before,
        "load average after (1/5/15 min)": load_average(),
        # Everything running counts, the bench and the stack included.
        "CPU busy during the run": busy_share(cpu_before, cpu_times()),
    }
