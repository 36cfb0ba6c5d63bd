"""Session fixtures for deliveries: one webhook receiver and one SMTP server on loopback, shared
by every test that needs them (the SMTP port is the test stack's PRESSROOM_SMTP_PORT)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from services.kit.settings import Settings
from tests.integration.delivery_support import Mailbox, Receiver, running_mailbox, running_receiver


@pytest_asyncio.fixture(scope="session")
async def receiver() -> AsyncIterator[Receiver]:
    async for running in running_receiver():
        yield running


@pytest.fixture(scope="session")
def mailbox(infra: Settings) -> Iterator[Mailbox]:
    controller, mailbox = running_mailbox(infra.smtp_port)
    yield mailbox
    controller.stop()
