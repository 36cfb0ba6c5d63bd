"""The test stack's variant on a broker that requires client certificates (an SSL listener with
ssl.client.auth=required; the CA, the broker's and the client's certificates made at test time):
Pressroom's processes authenticate with the certificate and key of their settings
(PRESSROOM_KAFKA_SSL_CERTFILE/KEYFILE) and the sample release goes through; a client without a
certificate, or with one another CA signed, is refused."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from dev_tools.infra.kafka import tls_dir
from dev_tools.infra.kafka_tls import ensure_broker_tls, ensure_client_tls
from services.kit.kafka_clients import ssl_context
from services.kit.settings import Settings
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_approval_http import draft_and_submit, until_approval
from tests.e2e.variant_stack import refused, settings_of, shifted_env, variant_stack

# A broker of its own to start first: more than the default 300 s on a loaded machine.
pytestmark = [pytest.mark.integration, pytest.mark.kafka_variant, pytest.mark.timeout(900)]
PORT_OFFSET = 30  # beside the slot's stack and its other variants, never on their ports
CLIENT = "pressroom"  # the certificate's CN: the principal User:pressroom on the broker


def variant_env(infra: Settings) -> dict[str, str]:
    env = shifted_env(infra, "mtls", PORT_OFFSET)
    tls = tls_dir(settings_of(env, infra))
    return {
        **env,
        "PRESSROOM_KAFKA_SECURITY_PROTOCOL": "SSL",
        "PRESSROOM_KAFKA_SSL_CAFILE": str(tls / "ca.pem"),
        "PRESSROOM_KAFKA_SSL_CERTFILE": str(tls / f"{CLIENT}.pem"),
        "PRESSROOM_KAFKA_SSL_KEYFILE": str(tls / f"{CLIENT}-key.pem"),
    }


async def client_certificate(settings: Settings) -> None:
    ensure_client_tls(tls_dir(settings), CLIENT)


@pytest_asyncio.fixture(scope="module")
async def mtls_stack(infra: Settings) -> AsyncIterator[Stack]:
    async with variant_stack(infra, variant_env(infra), prepare=client_certificate) as stack:
        yield stack


async def test_pressroom_works_with_its_client_certificate(mtls_stack: Stack) -> None:
    assert not await refused(mtls_stack.settings)
    async with mtls_stack.client() as alice:
        release_id = await draft_and_submit(alice)
        # Drafting's event reached approval's policy and the projector, every client over mTLS.
        release = await until_approval(alice, release_id, "pending")
    assert release["status"] == "submitted"


async def test_a_client_without_a_certificate_is_refused(mtls_stack: Stack) -> None:
    settings = mtls_stack.settings
    without = settings.model_copy(update={"kafka_ssl_certfile": None, "kafka_ssl_keyfile": None})
    assert await refused(settings, ssl_context=ssl_context(without))


async def test_a_client_with_a_certificate_of_another_ca_is_refused(
    mtls_stack: Stack, tmp_path: Path
) -> None:
    settings = mtls_stack.settings
    ensure_broker_tls(tmp_path, settings.kafka_host)  # a CA the broker does not trust
    stranger = ensure_client_tls(tmp_path, CLIENT)  # the same name, the wrong signer
    context = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile))
    context.load_cert_chain(stranger.certfile, stranger.keyfile)
    assert await refused(settings, ssl_context=context)
