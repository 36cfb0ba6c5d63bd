"""The test stack's variant on a SASL_SSL broker with an authorizer (KRaft's StandardAuthorizer,
nothing allowed without an ACL, pressroom-admin the super user): the topics and the ACLs of
docs/security.md are applied as an operator would (`pressroom topics apply`, `pressroom kafka acls
--apply`), every process runs as its own principal (all six), and the sample release goes
through, embargo and publication included; a principal cannot write a topic or read a group it
has no ACL for."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import GroupAuthorizationFailedError, KafkaError, TopicAuthorizationFailedError
from confluent_kafka.admin import (
    AdminClient,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialAlteration,
    UserScramCredentialUpsertion,
)

from dev_tools.stack.processes import APP_PROCESSES
from events.topics import DRAFTING_COMMANDS, DRAFTING_EVENTS
from operator_tools.kafka_acl_admin import librdkafka_config
from services.kit.consumer_groups import service_group
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import REPO_ROOT, Settings
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_approval_http import draft_and_submit, until_approval
from tests.e2e.test_embargo_http import approved_release, until_lifted
from tests.e2e.variant_stack import shifted_env, variant_stack
from tests.support import eventually

# A broker of its own to start first: more than the default 300 s on a loaded machine.
pytestmark = [pytest.mark.integration, pytest.mark.kafka_variant, pytest.mark.timeout(900)]
PORT_OFFSET = 40  # beside the slot's stack and its other variants, never on their ports
ADMIN = "pressroom-admin"
STRANGER = "mallory"  # authenticated, but granted nothing
AUTHORIZER = {
    "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found": "false",
    # ANONYMOUS: the broker speaking to its own controller over the loopback-only plaintext
    # controller listener; no client of the SASL_SSL listener is ever anonymous.
    "super.users": f"User:{ADMIN};User:ANONYMOUS",
}
PASSWORDS = {name: secrets.token_urlsafe(24) for name in (*APP_PROCESSES, STRANGER)}
LIFT_IN_S = 10  # after the embargo is set: approved already, so only the lift is waited for
PUBLIC_WAIT_S = 120.0


def variant_env(infra: Settings) -> dict[str, str]:
    env = shifted_env(infra, "acls", PORT_OFFSET)
    return {
        **env,
        "PRESSROOM_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "PRESSROOM_KAFKA_USERNAME": ADMIN,  # the broker's own (inter-broker) principal
        "PRESSROOM_KAFKA_PASSWORD": secrets.token_urlsafe(24),
        "PRESSROOM_KAFKA_SSL_CAFILE": f"{env['PRESSROOM_DATA_DIR']}/kafka/tls/ca.pem",
    }


def principal_env(name: str) -> dict[str, str]:
    user = name if name == STRANGER else f"pressroom-{name}"
    return {"PRESSROOM_KAFKA_USERNAME": user, "PRESSROOM_KAFKA_PASSWORD": PASSWORDS[name]}


def as_principal(settings: Settings, name: str) -> Settings:
    env = principal_env(name)
    return settings.model_copy(
        update=Settings(
            kafka_username=env["PRESSROOM_KAFKA_USERNAME"],
            kafka_password=env["PRESSROOM_KAFKA_PASSWORD"],
        ).model_dump(include={"kafka_username", "kafka_password"})
    )


def create_users(admin_settings: Settings) -> None:
    admin = AdminClient(librdkafka_config(admin_settings))
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192)
    upserts: list[UserScramCredentialAlteration] = [
        UserScramCredentialUpsertion(principal_env(n)["PRESSROOM_KAFKA_USERNAME"], info, p.encode())
        for n, p in PASSWORDS.items()
    ]
    for future in admin.alter_user_scram_credentials(upserts, request_timeout=60).values():
        future.result()


def pressroom(env: dict[str, str], *args: str) -> None:
    """An operator's command, as the admin principal of the variant."""
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args], cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=300, check=False, env={**os.environ, **env},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest_asyncio.fixture(scope="module")
async def acl_stack(infra: Settings) -> AsyncIterator[Stack]:
    env = variant_env(infra)

    async def operator_setup(settings: Settings) -> None:
        await asyncio.to_thread(create_users, settings)
        await asyncio.to_thread(pressroom, env, "topics", "apply")
        await asyncio.to_thread(pressroom, env, "kafka", "acls", "--apply")

    async with variant_stack(
        infra, env, broker=AUTHORIZER, prepare=operator_setup, process_env=principal_env,
        names=APP_PROCESSES,
    ) as stack:  # fmt: skip
        yield stack


async def test_every_process_as_its_own_principal_takes_the_sample_release_through(
    acl_stack: Stack,
) -> None:
    async with acl_stack.client() as alice:
        release_id = await draft_and_submit(alice)
        release = await until_approval(alice, release_id, "pending")
    assert release["status"] == "submitted"


async def test_embargo_and_publication_as_their_own_principals_lift_and_publish(
    acl_stack: Stack,
) -> None:
    async with acl_stack.client() as alice, acl_stack.client("dev-carol") as carol:
        release_id = (await approved_release(acl_stack, alice))["release_id"]
        lift_at = datetime.now(UTC) + timedelta(seconds=LIFT_IN_S)
        terms = {"lift_at": lift_at.isoformat(), "recipients": ["rita"]}
        embargoed = await carol.put(f"/v1/releases/{release_id}/embargo", json=terms)
        # 202: embargo has not answered yet (its consumer, on a loaded machine); its outcome then.
        assert embargoed.status_code in (200, 202), embargoed.text
        if embargoed.status_code == 202:
            await accepted(carol, embargoed.json()["location"])
        lifted = await until_lifted(alice, release_id)

        async def published() -> dict[str, Any] | None:
            body: dict[str, Any] = (await alice.get(f"/v1/releases/{release_id}")).json()
            return body if body.get("status") == "published" else None

        public = await eventually(published, PUBLIC_WAIT_S, f"{release_id} published")
    assert lifted["embargo"]["status"] == "lifted"
    assert (public["publication_status"], public["public_edition"]) == ("published", 1), public


async def accepted(http: httpx.AsyncClient, location: str) -> None:
    """The command at `location` (a 202's) ends accepted."""

    async def outcome() -> dict[str, Any] | None:
        answer = await http.get(location)
        return dict(answer.json()) if answer.status_code == 200 else None

    decided = await eventually(outcome, PUBLIC_WAIT_S, f"the outcome at {location}")
    assert decided["status"] == "accepted", decided


async def cannot_write(settings: Settings, topic: str) -> bool:
    producer = AIOKafkaProducer(**client_kwargs(settings=settings), request_timeout_ms=20000)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"not allowed", key=b"k")
    except TopicAuthorizationFailedError:
        return True
    finally:
        await producer.stop()
    return False


@pytest.mark.parametrize(
    ("who", "topic"),
    [("gateway", DRAFTING_EVENTS), ("projector", DRAFTING_COMMANDS), (STRANGER, DRAFTING_COMMANDS)],
)
async def test_a_principal_cannot_write_a_topic_it_has_no_acl_for(
    acl_stack: Stack, who: str, topic: str
) -> None:
    assert await cannot_write(as_principal(acl_stack.settings, who), topic)


async def test_a_principal_cannot_read_another_s_group(acl_stack: Stack) -> None:
    settings = as_principal(acl_stack.settings, "projector")
    consumer = AIOKafkaConsumer(
        DRAFTING_EVENTS, **client_kwargs(settings=settings), group_id=service_group("drafting"),
        request_timeout_ms=20000,
    )  # fmt: skip
    with pytest.raises((GroupAuthorizationFailedError, KafkaError)) as raised:
        await consumer.start()
        await asyncio.wait_for(consumer.getone(), 60)
    await consumer.stop()
    assert isinstance(raised.value, GroupAuthorizationFailedError), repr(raised.value)
