"""The processes under chaos: the session's stack (one of each, and the gateway) plus a second
instance of each service and of the projector, each killable and restartable by name; and, after
the run, started again as an orchestrator would until every one is ready."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

from dev_tools.infra.processes import is_alive
from dev_tools.stack.processes import AppProcess
from services.kit.settings import Settings
from tests.e2e.stack_fixture import Stack, process_env, until_ready

EXEC_WAIT_S = 30.0
DOUBLED = ("drafting", "approval", "embargo", "publication", "projector")


@dataclass
class Fleet:
    settings: Settings
    processes: dict[str, AppProcess]

    @classmethod
    def around(cls, stack: Stack) -> Fleet:
        """The stack's processes, and a second instance of each doubled one (not started)."""
        second = {
            f"{name}-2": AppProcess(
                f"{name}-2", stack.settings, ("cli.main", "serve", name),
                tuple(process_env(stack.settings, f"{name}-2").items()),
            )
            for name in DOUBLED
        }  # fmt: skip
        return cls(stack.settings, {**stack.processes, **second})

    def start(self, name: str) -> None:
        """Starts it and returns once it runs as itself: just after the fork its /proc cmdline is
        still ours, and a `dead()` then would start a second one (an orphan, a false death)."""
        process = self.processes[name]
        pid, deadline = process.start(), time.monotonic() + EXEC_WAIT_S
        while process.pid() is None and is_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)

    def start_all(self) -> None:
        for name in self.processes:
            self.start(name)

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash would; returns once the process is gone."""
        self.processes[name].kill()

    def dead(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.pid() is None]

    def stop_seconds(self) -> None:
        """Stops the second instances (the session's stack stays for the other tests)."""
        for name, process in self.processes.items():
            if name.endswith("-2"):
                process.stop()

    async def whole_again(self, names: Iterable[str], timeout: float) -> list[str]:
        """As Kubernetes or compose would: starts again each of `names` that has ended, until
        every one answers ready; says which it started. A process whose consumer lost its group
        for good ends by itself (status 3, services/kit/group_watch.py) a minute or more after
        the fault that caused it: `make chaos` met one after the run, and the tests after it
        found nobody reading approval's partitions."""
        names = tuple(names)
        restarted: list[str] = []

        async def start_what_ended() -> None:
            for name in self.dead():
                if name in names:
                    restarted.append(f"{name} (exit status {self.processes[name].exit_status()})")
                    await asyncio.to_thread(self.start, name)

        await until_ready(self.settings, names, timeout, start_what_ended)
        return restarted
