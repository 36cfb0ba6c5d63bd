"""The HTTP routes over in-memory fakes of Kafka and the projections: no I/O."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from events.drafting import CreateDraft, DiscardDraft, ReviseDraft, SubmitDraft
from events.envelope import Envelope
from events.replies import CommandOutcome, OutcomeStatus, Problem
from services.gateway.app import create_app
from services.gateway.fakes import FakeCommandBus, FakeReadModel
from services.kit.settings import Settings

ALICE = {"Authorization": "Bearer dev-alice"}
RITA = {"Authorization": "Bearer dev-rita"}
CONTENT = {"title": "UK and Japan", "organisations": ["fco"]}


def accept(envelope: Envelope[Any]) -> CommandOutcome:
    return CommandOutcome(
        command_id=envelope.id,
        command_type=envelope.data.ce_type(),
        release_id=envelope.subject,
        status=OutcomeStatus.ACCEPTED,
        stream_version=1,
        events=["e1"],
    )


def release(release_id: str = "r1", version: int = 3, org: str = "fco") -> dict[str, Any]:
    return {
        "release_id": release_id,
        "title": "UK and Japan",
        "organisations": [org],
        "collaborators": [],
        "created_by": "someone",
        "status": "draft",
        "versions": {"drafting": version},
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        "search": "'japan':2",
        "last_event_id": "e3",
        "body": "long",
        "content": {},
    }


@pytest.fixture
def bus() -> FakeCommandBus:
    return FakeCommandBus(respond=accept)


@pytest.fixture
def reads() -> FakeReadModel:
    return FakeReadModel(releases_by_id={"r1": release(), "other": release("other", org="mod")})


@pytest.fixture
async def client(bus: FakeCommandBus, reads: FakeReadModel) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(demo_tokens=True, reply_timeout_s=0.1), bus=bus, reads=reads)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


async def test_create_sends_create_draft_as_the_caller(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    response = await client.post(
        "/v1/releases",
        json={"content": CONTENT, "collaborators": ["bob"]},
        headers={**ALICE, "X-Correlation-Id": "corr-1"},
    )
    assert response.status_code == 201
    (sent,) = bus.sent
    assert isinstance(sent.data, CreateDraft)
    assert (sent.data.actor.id, sent.data.actor.organisation, sent.actor) == (
        "alice",
        "fco",
        "alice",
    )
    assert sent.data.collaborators == ["bob"]
    assert (sent.source, sent.subject, sent.correlation_id) == (
        "/pressroom/gateway",
        sent.data.release_id,
        "corr-1",
    )
    assert response.headers["location"] == f"/v1/releases/{sent.data.release_id}"
    assert response.headers["x-correlation-id"] == "corr-1"
    assert response.json()["version"] == 1


async def test_the_same_idempotency_key_is_the_same_command(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    headers = {**ALICE, "Idempotency-Key": "create-1"}
    first = await client.post("/v1/releases", json={"content": CONTENT}, headers=headers)
    again = await client.post("/v1/releases", json={"content": CONTENT}, headers=headers)
    assert first.json() == again.json()
    assert bus.sent[0].id == bus.sent[1].id
    assert bus.sent[0].correlation_id == bus.sent[0].id  # no X-Correlation-Id: the command id


async def test_without_a_key_each_post_is_a_new_release(client: httpx.AsyncClient) -> None:
    first = await client.post("/v1/releases", json={"content": CONTENT}, headers=ALICE)
    second = await client.post("/v1/releases", json={"content": CONTENT}, headers=ALICE)
    assert first.json()["release_id"] != second.json()["release_id"]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope-nope"}, {"Authorization": "Basic YTpi"}]
)
async def test_no_valid_token_is_401_and_nothing_is_sent(
    client: httpx.AsyncClient, bus: FakeCommandBus, headers: dict[str, str]
) -> None:
    response = await client.post("/v1/releases", json={"content": CONTENT}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"
    assert bus.sent == []


async def test_an_invalid_body_is_a_422_problem_listing_the_fields(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    response = await client.post("/v1/releases", json={"content": {"title": "x"}}, headers=ALICE)
    assert response.status_code == 422
    assert ["body", "content", "organisations"] in [e["loc"] for e in response.json()["errors"]]
    assert bus.sent == []


async def test_revise_needs_if_match(client: httpx.AsyncClient, bus: FakeCommandBus) -> None:
    response = await client.patch("/v1/releases/r1", json={"title": "New"}, headers=ALICE)
    assert response.status_code == 428
    assert bus.sent == []


async def test_revise_sends_the_expected_version(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    response = await client.patch(
        "/v1/releases/r1", json={"title": "New"}, headers={**ALICE, "If-Match": '"3"'}
    )
    assert response.status_code == 200
    (sent,) = bus.sent
    assert isinstance(sent.data, ReviseDraft)
    assert (sent.data.expected_version, sent.data.changes.present()) == (3, {"title": "New"})


async def test_a_stale_version_is_409(client: httpx.AsyncClient, bus: FakeCommandBus) -> None:
    problem = Problem(
        type="urn:pressroom:problem:stale-version", title="Stale version", detail="now 4"
    )
    bus.respond = lambda e: accept(e).model_copy(
        update={
            "status": OutcomeStatus.CONFLICT,
            "stream_version": 4,
            "events": [],
            "problem": problem,
        }
    )
    response = await client.patch(
        "/v1/releases/r1", json={"title": "New"}, headers={**ALICE, "If-Match": '"3"'}
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:pressroom:problem:stale-version"
    assert response.json()["current_version"] == 4


async def test_submit_and_discard_send_their_commands(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    await client.post("/v1/releases/r1/submit", headers={**ALICE, "If-Match": '"2"'})
    await client.delete("/v1/releases/r1", params={"reason": "duplicate"}, headers=ALICE)
    submit, discard = (envelope.data for envelope in bus.sent)
    assert isinstance(submit, SubmitDraft) and submit.expected_version == 2
    assert isinstance(discard, DiscardDraft) and discard.reason == "duplicate"


async def test_no_reply_in_time_is_202_with_a_link(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    bus.respond = lambda e: None
    response = await client.post("/v1/releases/r1/submit", headers=ALICE)
    assert response.status_code == 202
    assert response.headers["location"] == f"/v1/commands/{bus.sent[0].id}"


async def test_kafka_unavailable_is_503(client: httpx.AsyncClient, bus: FakeCommandBus) -> None:
    bus.ready = False
    response = await client.post("/v1/releases/r1/submit", headers=ALICE)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"


async def test_a_release_has_its_version_as_etag(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/releases/r1", headers=ALICE)
    assert response.status_code == 200
    assert response.headers["etag"] == '"3"'
    assert response.json()["version"] == 3
    assert "search" not in response.json()
    cached = await client.get("/v1/releases/r1", headers={**ALICE, "If-None-Match": '"3"'})
    assert cached.status_code == 304


async def test_another_organisations_draft_does_not_exist_for_you(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/v1/releases/other", headers=ALICE)).status_code == 404
    assert (await client.get("/v1/releases/r1", headers=RITA)).status_code == 404


async def test_a_read_that_cannot_catch_up_says_it_is_stale(client: httpx.AsyncClient) -> None:
    fresh = await client.get("/v1/releases/r1", params={"min_version": 3}, headers=ALICE)
    stale = await client.get("/v1/releases/r1", headers={**ALICE, "Pressroom-Read-After": "r1:9"})
    assert "pressroom-stale" not in fresh.headers
    assert stale.headers["pressroom-stale"] == "true"


async def test_the_board_shows_your_organisation(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    response = await client.get("/v1/releases", params={"q": "japan", "limit": 10}, headers=ALICE)
    assert [item["release_id"] for item in response.json()["items"]] == ["r1"]
    assert "body" not in response.json()["items"][0]
    assert (reads.filters[0].org, reads.filters[0].q, reads.filters[0].limit) == (
        "fco",
        "japan",
        10,
    )


async def test_history_and_command_outcomes(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    reads.history_by_id["r1"] = [
        {"event_type": "x", "occurred_at": datetime(2026, 1, 1, tzinfo=UTC)}
    ]
    reads.outcomes["c1"] = {"command_id": "c1", "release_id": "r1", "status": "accepted"}
    history = await client.get("/v1/releases/r1/history", headers=ALICE)
    assert history.json()["events"][0]["occurred_at"] == "2026-01-01T00:00:00+00:00"
    assert (await client.get("/v1/commands/c1", headers=ALICE)).json()["status"] == "accepted"
    assert (await client.get("/v1/commands/c2", headers=ALICE)).status_code == 404


async def test_health_readiness_and_metrics(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).status_code == 200
    reads.healthy = False
    not_ready = await client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["postgres"] is False
    metrics = (await client.get("/metrics")).text
    assert (
        'pressroom_gateway_requests_total{method="GET",route="/readyz",status="503"} 1.0' in metrics
    )


async def test_command_outcomes_are_counted(client: httpx.AsyncClient) -> None:
    await client.post("/v1/releases", json={"content": CONTENT}, headers=ALICE)
    metrics = (await client.get("/metrics")).text
    assert (
        'pressroom_gateway_command_outcomes_total{command_type="CreateDraft",status="accepted"} 1.0'
        in metrics
    )
    assert "pressroom_gateway_reply_wait_seconds_count 1.0" in metrics


async def test_openapi_documents_problem_json(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    responses = schema["paths"]["/v1/releases/{release_id}"]["patch"]["responses"]
    assert "application/problem+json" in responses["428"]["content"]
    assert "application/problem+json" in responses["422"]["content"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


async def test_a_discard_reason_in_the_body_wins(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    await client.request(
        "DELETE",
        "/v1/releases/r1",
        params={"reason": "query"},
        json={"reason": "body"},
        headers=ALICE,
    )
    assert isinstance(bus.sent[0].data, DiscardDraft)
    assert bus.sent[0].data.reason == "body"


async def test_headers_are_checked_before_the_body(client: httpx.AsyncClient) -> None:
    bad_key = {**ALICE, "Idempotency-Key": "has space"}
    assert (await client.post("/v1/releases", json={}, headers=bad_key)).status_code == 400
    assert (await client.patch("/v1/releases/r1", json={"x": 1}, headers=ALICE)).status_code == 428


async def test_405_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.put("/v1/releases/r1", headers=ALICE)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
