"""Subscriber routes over fakes: what is sent, keyed how, and what comes back."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import httpx

from events.subscribers import RegisterSubscriber, RequestRedelivery
from services.kit.settings import Settings
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.gateway import accepting, gateway_client
from tests.fakes.read_model import FakeReadModel
from tests.sealing_support import SECRET, TEST_BOX, TEST_SECRET_KEYS

CAROL = {"Authorization": "Bearer dev-carol", "Idempotency-Key": "register-1"}
BODY = {
    "name": "Newswire", "channel": "webhook", "url": "https://newswire.example/hook",
    "secret": SECRET, "filters": {"organisations": ["fco"]},
}  # fmt: skip


accept = accepting(1)


def client(
    bus: FakeCommandBus, keys: str = TEST_SECRET_KEYS
) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    # Explicit: the e2e fixtures export the test stack's allowed networks to this process.
    settings = Settings(
        demo_tokens=True, reply_timeout_s=0.1, secret_keys=keys, webhook_allowed_networks=""
    )
    return gateway_client(FakeReadModel(), bus, settings)


async def test_a_registration_is_keyed_by_its_subscriber_and_never_echoes_the_secret() -> None:
    bus = FakeCommandBus(respond=accept)
    async with client(bus) as http:
        first = await http.post("/v1/subscribers", json=BODY, headers=CAROL)
        again = await http.post("/v1/subscribers", json=BODY, headers=CAROL)
    assert first.status_code == 201, first.text
    subscriber_id = first.json()["subscriber_id"]
    assert again.json()["subscriber_id"] == subscriber_id, "same Idempotency-Key, same id"
    sent = bus.sent[0]
    assert isinstance(sent.data, RegisterSubscriber) and sent.subject == subscriber_id
    assert "secret" not in first.json()


async def test_the_secret_leaves_the_gateway_sealed_and_named_by_a_keyed_fingerprint() -> None:
    bus = FakeCommandBus(respond=accept)
    async with client(bus) as http:
        response = await http.post("/v1/subscribers", json=BODY, headers=CAROL)
    assert response.status_code == 201, response.text
    command = bus.sent[0].data
    assert isinstance(command, RegisterSubscriber) and command.sealed_secret is not None
    assert SECRET not in bus.sent[0].model_dump_json(), "never in clear on the bus"
    assert TEST_BOX.open(command.sealed_secret) == SECRET
    assert command.secret_fingerprint == TEST_BOX.fingerprint(SECRET)


async def test_without_keys_webhooks_are_refused_with_what_to_configure() -> None:
    bus = FakeCommandBus(respond=accept)
    async with client(bus, keys="") as http:
        webhook = await http.post("/v1/subscribers", json=BODY, headers=CAROL)
        email = await http.post(
            "/v1/subscribers", headers={**CAROL, "Idempotency-Key": "email-1"},
            json={"name": "Desk", "channel": "email", "email": "desk@news.example"},
        )  # fmt: skip
    assert webhook.status_code == 503 and "PRESSROOM_SECRET_KEYS" in webhook.json()["detail"]
    assert email.status_code == 201, "email needs no key"
    assert [type(e.data) for e in bus.sent] == [RegisterSubscriber]


async def test_webhooks_to_addresses_that_are_not_public_are_refused_at_the_door() -> None:
    bus = FakeCommandBus(respond=accept)
    async with client(bus) as http:
        for n, url in enumerate(
            ["https://2852039166/", "https://0xa9fea9fe/", "https://[::ffff:169.254.169.254]/",
             "http://127.0.0.1:15432/", "https://10.0.0.8/hook"]
        ):  # fmt: skip
            headers = {**CAROL, "Idempotency-Key": f"bad-{n}"}
            response = await http.post(
                "/v1/subscribers", json={**BODY, "url": url}, headers=headers
            )
            assert response.status_code == 422, (url, response.text)
    assert bus.sent == []


async def test_a_redelivery_with_no_outcome_in_time_is_202_with_a_link() -> None:
    bus = FakeCommandBus(respond=lambda _: None)
    async with client(bus) as http:
        response = await http.post(
            "/v1/subscribers/sub-1/redeliver", json={"release_id": "r1"}, headers=CAROL
        )
    assert response.status_code == 202 and response.headers["Location"].startswith("/v1/commands/")
    assert isinstance(bus.sent[0].data, RequestRedelivery) and bus.sent[0].subject == "sub-1"


async def test_kafka_away_is_503_with_retry_after() -> None:
    bus = FakeCommandBus(respond=accept, ready=False)
    async with client(bus) as http:
        response = await http.post("/v1/subscribers", json=BODY, headers=CAROL)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
