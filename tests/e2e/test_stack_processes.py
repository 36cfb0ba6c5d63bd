"""The test stack's processes keep their settings whoever starts them again (tests/e2e/
stack_fixture.py): many tests stop a service and start it again with `start()`.

Found by CI (2026-12-07 12:38) on the first run with health ports in the test stack: drafting,
approval and the projector had been started again by earlier tests without their health port,
answered no /readyz, and the chaos fixture waited for them in vain."""

from __future__ import annotations

import pytest

from tests.e2e.stack_fixture import Stack, process_ready
from tests.support import WAIT_S, eventually

pytestmark = pytest.mark.integration


async def test_a_process_started_again_by_a_test_serves_its_health_port_again(
    stack: Stack,
) -> None:
    approval = stack.processes["approval"]
    approval.stop()
    approval.start()  # as the service tests do, with nothing but what they change

    async def ready() -> bool:
        return await process_ready(stack.settings, "approval")

    await eventually(ready, WAIT_S * 4, "approval's /readyz after a plain start()")
