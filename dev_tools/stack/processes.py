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
DEMO_TOKENS_WARNING = (
    "The gateway runs with the PUBLIC demo tokens (services/gateway/demo_tokens.yaml): local use"
    " only. Set PRESSROOM_TOKENS_FILE or PRESSROOM_OIDC_ISSUER for anything else"
    " (docs/security.md)."
)


# One machine, one client address, a few demo principals: `pressroom bench` writes 50/s as alice
# and the test suites share 127.0.0.1, so the rate limits are off here unless set explicitly.
LOCAL_UNLIMITED = (
    "PRESSROOM_RATE_LIMIT_FAILED_AUTH",
    "PRESSROOM_RATE_LIMIT_WRITES_PER_PRINCIPAL",
    "PRESSROOM_RATE_LIMIT_WRITES_PER_ADDRESS",
)


def local_stack_env(settings: Settings) -> dict[str, str]:
    """The local and test stacks ask for the demo tokens (unless tokens are configured) and
    lift the per-instance rate limits (unless set in the environment)."""
    env = {name: "0" for name in LOCAL_UNLIMITED if name not in os.environ}
    if settings.tokens_file is None and not settings.oidc_issuer:
        env["PRESSROOM_DEMO_TOKENS"] = "true"
    return env


# The processes this one started, by pid (the pid file names one of them, or another's).
_SPAWNED: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class AppProcess:
    name: str
    settings: Settings
    # Another module to run under this name, with its arguments (the crash-recovery tests').
    entry: tuple[str, ...] = ()
    # Settings it always starts with, beneath the caller's (the test stack's health ports): a
    # test that stops and starts it again keeps them.
    env: tuple[tuple[str, str], ...] = ()

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
        if pid is None or not is_alive(pid):
            return None
        spawned = _SPAWNED.get(pid)
        if spawned is not None and spawned.poll() is None:
            # Started by this process: right after the fork its cmdline is still ours, and
            # taking it for dead would start a second one (an orphan the pid file forgets).
            return pid
        return pid if cmdline_contains(pid, self.marker) else None

    def exit_status(self) -> int | None:
        """How its last run ended, if this process started it and it has ended (None otherwise):
        3 is a consumer that lost its group for good (services/kit/group_watch.py)."""
        pid = read_pid(self.pid_file)
        spawned = _SPAWNED.get(pid) if pid is not None else None
        return None if spawned is None else spawned.poll()

    def start(self, extra_env: Mapping[str, str] | None = None) -> int:
        """Starts it unless it already runs; returns the pid."""
        running = self.pid()
        if running is not None:
            return running
        return self.spawn(extra_env).pid

    def spawn(self, extra_env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Starts it, detached, with its pid file; the caller may wait on the process."""
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                self.command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, **dict(self.env), **(extra_env or {})},
            )  # fmt: skip
        self.pid_file.write_text(f"{proc.pid}\n")
        _SPAWNED[proc.pid] = proc
        return proc

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


def supervisor_process(settings: Settings) -> AppProcess:
    """The local stack's supervisor (dev_tools/stack/supervisor.py), itself a detached process."""
    return AppProcess("supervisor", settings, entry=("dev_tools.stack.supervise",))


def app_processes(settings: Settings, local_tools: bool = False) -> list[AppProcess]:
    names = (*LOCAL_ONLY_PROCESSES, *APP_PROCESSES) if local_tools else APP_PROCESSES
    return [AppProcess(name, settings) for name in names]
