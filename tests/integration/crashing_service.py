"""`python -m tests.integration.crashing_service <service> <crash>`: a service with one crash
point switched on, for the crash-recovery tests (services/kit/crash_points.py).

  relay-off           commits commands and never publishes them
  kill-after-publish  SIGKILLs itself once Kafka acked a batch, before marking its rows
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import sys

from dev_tools.stack.processes import AppProcess
from services.kit.crash_points import CrashPoints
from services.kit.worker import run_worker


async def _never() -> None:
    await asyncio.Event().wait()


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


MODULE = "tests.integration.crashing_service"
CRASHES = {
    "relay-off": CrashPoints(before_relay=_never),
    "kill-after-publish": CrashPoints(after_publish=_killed),
}


def as_crashing(process: AppProcess, crash: str) -> AppProcess:
    """The same service under the same pid file, with one crash point switched on."""
    return AppProcess(process.name, process.settings, entry=(MODULE, process.name, crash))


def main(service: str, crash: str) -> None:
    bootstrap = importlib.import_module(f"services.{service}.bootstrap").bootstrap
    app, runtime = bootstrap()
    runtime.crash_points = CRASHES[crash]
    run_worker(app, runtime)


if __name__ == "__main__":
    main(*sys.argv[1:3])
