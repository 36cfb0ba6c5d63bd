"""The local stack restarts a process that dies: the supervisor of `pressroom up` notices, logs
it, restarts it after its backoff, and `pressroom status` shows the restart."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from cli.main import app
from dev_tools.infra.processes import is_alive
from dev_tools.stack.processes import AppProcess
from dev_tools.stack.supervisor import read_state
from services.kit.settings import Settings
from tests.support import eventually

# The supervisor spawns a projector under the stack's pid file: with the e2e session stack
# running, the stack's own projector was orphaned (it outlived the session, and joined the next).
pytestmark = [pytest.mark.integration, pytest.mark.before_session_stack]
WAIT_S = 120.0


@pytest.fixture
def supervised(infra: Settings) -> Iterator[AppProcess]:
    supervisor = AppProcess("supervisor", infra, entry=("dev_tools.stack.supervise", "projector"))
    supervisor.stop()  # a leftover of an interrupted run
    supervisor.start()
    try:
        yield supervisor
    finally:
        supervisor.stop(grace=120.0)


def projector_pid(infra: Settings, restarts: int) -> int | None:
    row = read_state(infra).get("projector", {})
    pid = row.get("pid")
    if row.get("restarts") != restarts or not isinstance(pid, int) or not is_alive(pid):
        return None
    return pid


async def test_the_supervisor_restarts_a_killed_process_and_status_shows_it(
    infra: Settings, supervised: AppProcess
) -> None:
    first = await eventually(lambda: alive_pid(infra, 0), WAIT_S, "the projector")
    os.kill(first, signal.SIGKILL)
    second = await eventually(lambda: alive_pid(infra, 1), WAIT_S, "a restart")
    assert second != first
    log = supervised.log_file.read_text()
    assert "process_died" in log and "process_restarted" in log, log[-2000:]
    shown = CliRunner().invoke(app, ["status"], terminal_width=200)
    row = next(line for line in shown.output.splitlines() if "projector" in line)
    assert str(second) in row and "signal 9" in row, shown.output
    supervised.stop(grace=120.0)
    assert AppProcess("projector", infra).pid() is None  # it stopped what it ran


async def alive_pid(infra: Settings, restarts: int) -> int | None:
    return await asyncio.to_thread(projector_pid, infra, restarts)
