"""Subscriber routes over fakes: what is sent, keyed how, and what comes back."""

from __future__ import annotations

from typing import Any

import httpx

from events.envelope import Envelope
from events.replies import CommandOutcome, OutcomeStatus
from events.subscribers import RegisterSubscriber, RequestRedelivery
from services.gateway.app import create_app
from services.gateway.fakes import FakeCommandBus, FakeReadModel
from services.kit.settings import Settings

CAROL = {"Authorization": "Bearer dev-carol", "Idempotency-Key": "register-1"}
BODY = {
    "name": "Newswire", "channel": "webhook", "url": "https://newswire.example/hook",
    "secret": "s" * 32, "filters": {"organisations": ["fco"]},
}  # fmt: skip


def accept(envelope: Envelope[Any]) -> CommandOutcome:
    return CommandOutcome(
        command_id=envelope.id, command_type=envelope.data.ce_type(), release_id=envelope.subject,
        status=OutcomeStatus.ACCEPTED, stream_version=1, events=["e1"],
    )  # fmt: skip


def client(bus: FakeCommandBus) -> httpx.AsyncClient:
    app = create_app(
        Settings(demo_tokens=True, reply_timeout_s=0.1), bus=bus, reads=FakeReadModel()
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


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
