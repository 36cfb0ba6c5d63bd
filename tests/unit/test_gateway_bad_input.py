"""The gateway's door (issue 12, hole 7) over fakes: crashes, NULs, bodies too large, too slow
or unauthenticated, internals in refusals, pointless read-after waits; and the OpenAPI document
saying what the gateway really sends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from events.envelope import Envelope
from events.replies import CommandOutcome, OutcomeStatus, Problem
from services.gateway.app import create_app
from services.kit.settings import Settings
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.read_model import FakeReadModel
from tests.unit.test_gateway_routes import ALICE, CONTENT, accept, release

LIMIT = 2_000
SETTINGS = Settings(
    demo_tokens=True, reply_timeout_s=0.1, http_max_body_bytes=LIMIT, http_body_timeout_s=0.2
)


class CrashingReadModel(FakeReadModel):
    async def releases(self, where: Any) -> list[dict[str, Any]]:
        raise RuntimeError("secret internals")


def client_of(bus: FakeCommandBus, reads: FakeReadModel) -> httpx.AsyncClient:
    # raise_app_exceptions: an exception escaping the app is what made uvicorn drop the
    # connection (and the response lack X-Correlation-Id); here it fails the test instead.
    transport = httpx.ASGITransport(app=create_app(SETTINGS, bus=bus, reads=reads))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


@pytest.fixture
def reads() -> FakeReadModel:
    return CrashingReadModel(releases_by_id={"r1": release()})


@pytest.fixture
def bus() -> FakeCommandBus:
    return FakeCommandBus(respond=accept)


@pytest.fixture
async def client(bus: FakeCommandBus, reads: FakeReadModel) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(bus, reads) as http:
        yield http


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-correlation-id"]
    body: dict[str, Any] = response.json()
    return body


async def test_a_crash_is_a_problem_with_a_correlation_id_and_the_app_does_not_raise(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/releases", headers={**ALICE, "X-Correlation-Id": "c-500"})
    problem = assert_problem(response, 500)
    assert response.headers["x-correlation-id"] == "c-500"
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert problem["instance"] == "/v1/releases"


@pytest.mark.parametrize(
    "url", ["/v1/releases?q=%00", "/v1/releases/r%001", "/v1/public/a%00b", "/v1/feed?x=%00"]
)
async def test_a_nul_in_the_url_is_a_400(client: httpx.AsyncClient, url: str) -> None:
    problem = assert_problem(await client.get(url, headers=ALICE), 400)
    assert problem["type"] == "urn:pressroom:problem:invalid-url"


async def test_a_body_over_the_limit_is_refused_before_authentication(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    big = {"content": {**CONTENT, "body": "x" * LIMIT}}
    for headers in ({}, ALICE):
        problem = assert_problem(await client.post("/v1/releases", json=big, headers=headers), 413)
        assert problem["type"] == "urn:pressroom:problem:body-too-large"
        assert str(LIMIT) in problem["detail"]
    assert bus.sent == []


async def test_a_streamed_body_over_the_limit_is_refused_when_it_gets_there(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: only counting can tell
        for _ in range(10):
            sent.append(1)
            yield b" " * 500

    response = await client.post("/v1/releases", content=chunks(), headers=ALICE)
    assert assert_problem(response, 413)["type"] == "urn:pressroom:problem:body-too-large"
    assert response.headers["connection"] == "close"
    assert len(sent) < 10 and bus.sent == []


async def test_a_body_without_a_valid_token_is_refused_unread(client: httpx.AsyncClient) -> None:
    read: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(b"{}")
        yield b"{}"

    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = await client.post("/v1/releases", content=body(), headers=headers)
        assert assert_problem(response, 401)["type"] == "urn:pressroom:problem:unauthenticated"
    assert read == []


async def test_a_body_that_never_finishes_is_a_408(client: httpx.AsyncClient) -> None:
    async def stalled() -> AsyncIterator[bytes]:
        yield b'{"content": '
        await asyncio.Event().wait()  # the rest never comes
        yield b"}"

    response = await asyncio.wait_for(
        client.post("/v1/releases", content=stalled(), headers=ALICE), timeout=30
    )
    assert assert_problem(response, 408)["type"] == "urn:pressroom:problem:body-timeout"


async def test_an_undecodable_outcome_does_not_show_the_services_internal_error() -> None:
    def undecodable(envelope: Envelope[Any]) -> CommandOutcome:
        internal = Problem(type="urn:x", title="Undecodable", detail="asyncpg said \\u0000 …")
        return CommandOutcome(
            command_id=envelope.id,
            command_type=envelope.data.ce_type(),
            release_id=envelope.subject,
            status=OutcomeStatus.UNDECODABLE,
            problem=internal,
        )

    async with client_of(FakeCommandBus(respond=undecodable), FakeReadModel()) as http:
        response = await http.post("/v1/releases", json={"content": CONTENT}, headers=ALICE)
    problem = assert_problem(response, 500)
    assert "asyncpg" not in response.text and "dead-lettered" in problem["detail"]


async def test_read_after_waits_only_for_releases_that_may_exist(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    assert_problem(
        await client.get("/v1/releases/r9", params={"min_version": 0}, headers=ALICE), 404
    )
    assert reads.waits == []  # version 0: every write leaves version 1 or more
    assert_problem(
        await client.get("/v1/releases/r9", params={"min_version": 2}, headers=ALICE), 404
    )
    assert reads.waits == []  # unknown here and to the read model: answered at once, no wait
    created = await client.post("/v1/releases", json={"content": CONTENT}, headers=ALICE)
    new_id = created.json()["release_id"]
    await client.get(f"/v1/releases/{new_id}", params={"min_version": 1}, headers=ALICE)
    assert reads.wait_seconds == [5.0]  # just written through this gateway: wait for it
    await client.get("/v1/releases/r1", params={"min_version": 9}, headers=ALICE)
    assert reads.wait_seconds == [5.0, 5.0]  # known to the read model: wait for it


async def test_the_openapi_document_says_what_the_gateway_sends(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"400", "500"} <= set(responses), (method, path)
            if "requestBody" in operation:
                assert {"401", "408", "413"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status[0] in "45":
                    assert list(response["content"]) == ["application/problem+json"], status
    create = document["paths"]["/v1/releases"]["post"]
    (key,) = [p for p in create["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["schema"] == {
        "type": "string",
        "pattern": "^[!-~]{1,255}$",
        "maxLength": 255,
        "title": "Idempotency-Key",
    }
