"""Runs each Pressroom process detached, with a pid file and a log file in the data folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dev_tools.infra.processes import cmdline_contains, is_alive, read_pid, terminate
from services.kit.settings import REPO_ROOT, Settings

# Start order: services first (they create topics and tables), then readers, then the gateway.
APP_PROCESSES: tuple[str, ...] = (
    "drafting", "approval", "embargo", "publication", "projector", "gateway",
)  # fmt: skip
# Only in the local stack of `pressroom up`: an SMTP server keeping email deliveries as files
# (tests run their own SMTP server on the test stack's port instead).
LOCAL_ONLY_PROCESSES: tuple[str, ...] = ("mailsink",)


@dataclass(frozen=True)
class AppProcess:
    name: str
    settings: Settings
    # Another module to run under this name, with its arguments (the crash-recovery tests').
    entry: tuple[str, ...] = ()

    @property
    def command(self) -> list[str]:
        """`pressroom serve NAME`, the one entry point containers use too (or, for the
        crash-recovery tests, another module with its arguments)."""
        if self.entry:
            return [sys.executable, "-m", *self.entry]
        return [sys.executable, "-m", "cli.main", "serve", self.name]

    @property
    def marker(self) -> str:
        """What its /proc cmdline holds (arguments end in NUL): a recycled pid will not."""
        if self.entry:
            return f"\0{self.entry[0]}\0"
        return f"\0serve\0{self.name}\0"

    @property
    def pid_file(self) -> Path:
        return self.settings.data_dir / "run" / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.settings.data_dir / "logs" / f"{self.name}.log"

    def pid(self) -> int | None:
        pid = read_pid(self.pid_file)
        if pid is None or not is_alive(pid) or not cmdline_contains(pid, self.marker):
            return None
        return pid

    def start(self, extra_env: Mapping[str, str] | None = None) -> int:
        """Starts it unless it already runs; returns the pid."""
        running = self.pid()
        if running is not None:
            return running
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                self.command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, **(extra_env or {})},
            )  # fmt: skip
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid

    def kill(self) -> None:
        """SIGKILL, as a crash would, and wait until it is gone (for crash-recovery tests)."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            while is_alive(pid):
                time.sleep(0.05)

    def stop(self, grace: float = 20.0) -> None:
        pid = self.pid()
        if pid is not None:
            terminate(pid, grace)
        self.pid_file.unlink(missing_ok=True)


def app_processes(settings: Settings, local_tools: bool = False) -> list[AppProcess]:
    names = (*LOCAL_ONLY_PROCESSES, *APP_PROCESSES) if local_tools else APP_PROCESSES
    return [AppProcess(name, settings) for name in names]
