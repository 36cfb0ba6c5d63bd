"""`python -m dev_tools.stack.supervise [NAME...]`: supervises the stack (or the named processes)
until SIGTERM or SIGINT, then stops them. `pressroom up` runs it detached."""

from __future__ import annotations

import signal
import sys
import threading

import structlog

from dev_tools.stack.processes import APP_PROCESSES, LOCAL_ONLY_PROCESSES
from dev_tools.stack.supervisor import POLL_S, Supervisor, stack_env_for
from services.kit.logging import configure_logging
from services.kit.settings import load_settings

log = structlog.get_logger()


def main(names: list[str]) -> None:
    settings = load_settings()
    configure_logging(settings, "supervisor")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    supervisor = Supervisor(
        settings, names or [*LOCAL_ONLY_PROCESSES, *APP_PROCESSES], stack_env_for(settings)
    )
    supervisor.start_all()
    log.info("supervising", processes=list(supervisor.processes))
    try:
        while not stop.wait(POLL_S):
            supervisor.tick()
    finally:
        supervisor.stop_all()
        log.info("supervisor_stopped")


if __name__ == "__main__":
    main(sys.argv[1:])
