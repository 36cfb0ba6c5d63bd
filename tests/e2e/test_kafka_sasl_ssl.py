"""The test stack's variant on a SASL_SSL broker (SCRAM-SHA-512 over TLS; certificates and
credentials made at test time): the sample release goes through, and a client without TLS or
with a wrong password is turned away. (The whole suite runs over SASL_SSL too, with
PRESSROOM_TEST_KAFKA_SECURITY=sasl_ssl: `make test-sasl-ssl`.)"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from services.kit.settings import Settings
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_approval_http import draft_and_submit, until_approval
from tests.e2e.variant_stack import refused, shifted_env, variant_stack

# A broker of its own to start first: more than the default 300 s on a loaded machine.
pytestmark = [pytest.mark.integration, pytest.mark.kafka_variant, pytest.mark.timeout(900)]
PORT_OFFSET = 50  # beside the slot's plaintext stack, never on its ports


def variant_env(infra: Settings) -> dict[str, str]:
    env = shifted_env(infra, "sasl-ssl", PORT_OFFSET)
    return {
        **env,
        "PRESSROOM_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "PRESSROOM_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "PRESSROOM_KAFKA_USERNAME": "pressroom",
        "PRESSROOM_KAFKA_PASSWORD": secrets.token_urlsafe(24),
        "PRESSROOM_KAFKA_SSL_CAFILE": f"{env['PRESSROOM_DATA_DIR']}/kafka/tls/ca.pem",
    }


@pytest_asyncio.fixture(scope="module")
async def sasl_stack(infra: Settings) -> AsyncIterator[Stack]:
    async with variant_stack(infra, variant_env(infra)) as stack:
        yield stack


async def test_the_sample_release_is_drafted_submitted_and_read_over_sasl_ssl(
    sasl_stack: Stack,
) -> None:
    async with sasl_stack.client() as alice:
        release_id = await draft_and_submit(alice)
        # Drafting's event reached approval's policy and the projector, all over SASL_SSL.
        release = await until_approval(alice, release_id, "pending")
    assert release["status"] == "submitted"


async def test_a_plaintext_client_is_refused(sasl_stack: Stack) -> None:
    assert await refused(sasl_stack.settings, security_protocol="PLAINTEXT")


async def test_a_client_with_a_wrong_password_is_refused(sasl_stack: Stack) -> None:
    assert await refused(sasl_stack.settings, sasl_plain_password="not-the-password")


async def test_the_broker_s_own_clients_authenticate(sasl_stack: Stack) -> None:
    assert not await refused(sasl_stack.settings)
    async with httpx.AsyncClient() as http:
        ready = await http.get(f"{sasl_stack.base_url}/readyz")
    assert ready.status_code == 200, ready.text
