"""The local stack's supervisor: starts each process, and restarts one that dies, with backoff.

`pressroom up` runs it detached (`python -m dev_tools.stack.supervisor`); `pressroom stop` sends
it SIGTERM and it stops its processes in reverse order. It writes what it did to its log and the
restarts to run/supervisor.json, which `pressroom status` shows. In production the orchestrator
(Kubernetes, compose's `restart:`) does this job; this is the same promise on one machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import structlog

from dev_tools.stack import keys as local_keys
from dev_tools.stack.local_secrets import local_secret_env
from dev_tools.stack.processes import AppProcess, local_stack_env
from services.kit.settings import Settings

log = structlog.get_logger()
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
# A process that ran this long before dying starts its backoff over: a crash, not a crash loop.
STEADY_AFTER_S = 60.0
POLL_S = 0.5
# `pressroom up` stops waiting for a process restarted this often that still exits with an error.
CRASH_LOOP_RESTARTS = 2


def restart_delay(failures_in_a_row: int) -> float:
    """1 s, 2 s, 4 s… up to 30 s: a process that cannot start does not spin the machine."""
    return float(min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** max(0, failures_in_a_row - 1)))


@dataclass
class Child:
    """One supervised process and what happened to it (the state file's row)."""

    name: str
    pid: int | None = None
    restarts: int = 0
    last_exit: int | None = None
    restart_at: float | None = None  # monotonic time of the pending restart, if it died
    failures_in_a_row: int = 0
    started: float = field(default=0.0, repr=False)


def state_file(settings: Settings) -> Path:
    return settings.data_dir / "run" / "supervisor.json"


def read_state(settings: Settings) -> dict[str, dict[str, object]]:
    """Per process: pid, restarts, last exit code (empty when no supervisor wrote any)."""
    try:
        return dict(json.loads(state_file(settings).read_text()))
    except (OSError, ValueError):
        return {}


def crash_looping(state: Mapping[str, Mapping[str, object]]) -> list[str]:
    """The processes that keep exiting with an error: restarted at least twice and down again
    after an exit that was not 0 (a bad setting, most often, which a restart will not mend; one
    that came back up after early failures is running, and not among them). Pure."""
    return [
        name for name, row in state.items()
        if _int(row.get("restarts")) >= CRASH_LOOP_RESTARTS and row.get("pid") is None
        and _int(row.get("last_exit")) != 0
    ]  # fmt: skip


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def stack_env_for(settings: Settings) -> Callable[[str], dict[str, str]]:
    """Each process's extra environment, as `pressroom up` gives it (demo tokens, secrets, keys)."""
    env = {**local_stack_env(settings), **local_secret_env(settings)[0]}
    keys = local_keys.stack_env(settings)
    return lambda name: {**env, **local_keys.process_env(settings, name, keys)}


class Supervisor:
    """Polls its children; a dead one is restarted after its backoff. Not thread-safe."""

    def __init__(self, settings: Settings, names: Sequence[str],
                 env_for: Callable[[str], Mapping[str, str]]) -> None:  # fmt: skip
        self.settings = settings
        self.processes = {name: AppProcess(name, settings) for name in names}
        self.env_for = env_for
        self.children = {name: Child(name) for name in names}
        self._running: dict[str, subprocess.Popen[bytes]] = {}

    def start_all(self) -> None:
        for name in self.processes:
            self._start(name)
        self._write_state()

    def tick(self) -> None:
        """Notices deaths and makes the restarts that are due."""
        now = time.monotonic()
        for name, child in self.children.items():
            proc = self._running.get(name)
            if proc is not None and proc.poll() is not None:
                self._died(child, proc.returncode, now)
            elif proc is None and child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._start(name)
                log.warning("process_restarted", process=name, pid=child.pid,
                            restarts=child.restarts)  # fmt: skip
        self._write_state()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.processes[name].stop()
            self._running.pop(name, None)
            log.info("process_stopped", process=name)
        state_file(self.settings).unlink(missing_ok=True)

    def _start(self, name: str) -> None:
        proc = self.processes[name].spawn(self.env_for(name))
        child = self.children[name]
        child.pid, child.restart_at, child.started = proc.pid, None, time.monotonic()
        self._running[name] = proc

    def _died(self, child: Child, code: int, now: float) -> None:
        del self._running[child.name]
        steady = now - child.started >= STEADY_AFTER_S
        child.failures_in_a_row = 1 if steady else child.failures_in_a_row + 1
        delay = restart_delay(child.failures_in_a_row)
        child.pid, child.last_exit, child.restart_at = None, code, now + delay
        log.warning("process_died", process=child.name, exit_code=code, restart_in_s=delay,
                    failures_in_a_row=child.failures_in_a_row)  # fmt: skip

    def _write_state(self) -> None:
        path = state_file(self.settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = {name: _public(child) for name, child in self.children.items()}
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_text(json.dumps(rows, indent=2))
        scratch.replace(path)  # readers never see half a file


def _public(child: Child) -> dict[str, object]:
    row = asdict(child)
    return {key: row[key] for key in ("pid", "restarts", "last_exit")}
