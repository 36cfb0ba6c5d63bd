"""The session's own broker speaks the protocol PRESSROOM_TEST_KAFKA_SECURITY asks for, and only
that one (tests/integration/kafka_security.py; `make test-sasl-ssl`)."""

from __future__ import annotations

import pytest

from tests.e2e.stack_fixture import Stack
from tests.e2e.variant_stack import refused
from tests.integration.kafka_security import security_mode

pytestmark = pytest.mark.integration


async def test_the_suite_s_own_broker_speaks_only_the_protocol_asked_for(stack: Stack) -> None:
    """PRESSROOM_TEST_KAFKA_SECURITY=sasl_ssl: the session's broker (not a variant's) refuses a
    plaintext client, and the session's own settings get through."""
    settings = stack.settings
    if security_mode() == "sasl_ssl":
        assert settings.kafka_security_protocol == "SASL_SSL"
        assert await refused(settings, security_protocol="PLAINTEXT")
    else:
        assert settings.kafka_security_protocol == "PLAINTEXT"
    assert not await refused(settings)
