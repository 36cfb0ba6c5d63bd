"""Session fixtures shared by every test folder: the real infra, then the real processes, and
the loopback webhook receiver and SMTP server that deliveries go to."""

import pytest

from tests.e2e.stack_fixture import stack  # noqa: F401
from tests.integration.delivery_fixtures import mailbox, receiver  # noqa: F401
from tests.integration.infra_fixture import infra  # noqa: F401


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The chaos folder runs last: it leaves 1,000 malformed records on every topic (the poison
    test) and a stack that has just been through kills and restarts, which tests that read whole
    topics (the consumer kit's "every live event decodes") must not meet."""
    chaos = [item for item in items if "tests/chaos/" in item.nodeid]
    items[:] = [item for item in items if item not in chaos] + chaos
