"""Session fixtures shared by every test folder: the real infra, then the real processes, and
the loopback webhook receiver and SMTP server that deliveries go to."""

from tests.e2e.stack_fixture import stack  # noqa: F401
from tests.integration.delivery_fixtures import mailbox, receiver  # noqa: F401
from tests.integration.infra_fixture import infra  # noqa: F401
