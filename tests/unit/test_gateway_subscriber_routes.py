"""Subscriber routes over fakes: what is sent, keyed how, and what comes back."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import httpx

from events.subscribers import RegisterSubscriber, RequestRedelivery
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.gateway import accepting, gateway_client
from tests.fakes.read_model import FakeReadModel

CAROL = {"Authorization": "Bearer dev-carol", "Idempotency-Key": "register-1"}
BODY = {
    "name": "Newswire", "channel": "webhook", "url": "https://newswire.example/hook",
    "secret": "s" * 32, "filters": {"organisations": ["fco"]},
}  # fmt: skip


accept = accepting(1)


def client(bus: FakeCommandBus) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    return gateway_client(FakeReadModel(), bus)


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
    assert sent.data.secret == "s" * 32 and "secret" not in first.json()


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
