"""After a chaos run the stack is made whole as an orchestrator would (tests/chaos/fleet.py).

Found by `make chaos` (2026-12-07 09:36, seed 123899132): approval's consumer stalled during the
run and was still alive when the run ended; the fixture restarted only the processes dead at
that moment, approval ended by itself 19 s later (status 3, its group lost for good) and the
poison test after it waited for approval in vain. Here a process is alive but answers nothing
(SIGSTOP, as a stalled consumer's /readyz says not ready) and ends a little later."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from tests.chaos.fleet import Fleet
from tests.e2e.stack_fixture import Stack, process_ready

pytestmark = pytest.mark.integration
ENDS_AFTER_S = 5.0  # when the stalled process ends: the fault's timing, not a wait


async def test_a_process_that_ends_after_the_run_is_started_again_until_ready(
    stack: Stack,
) -> None:
    fleet = Fleet.around(stack)
    approval = stack.processes["approval"]
    stalled = approval.pid()
    assert stalled is not None
    os.kill(stalled, signal.SIGSTOP)
    ends = threading.Timer(ENDS_AFTER_S, os.kill, args=(stalled, signal.SIGKILL))
    ends.start()
    try:
        restarted = await fleet.whole_again(stack.processes, timeout=300)
    finally:
        ends.cancel()
        if approval.pid() == stalled:
            os.kill(stalled, signal.SIGKILL)
    assert restarted == [f"approval (exit status {-signal.SIGKILL})"]
    assert approval.pid() not in (None, stalled)
    assert await process_ready(stack.settings, "approval")
