"""HTTP hardening over fakes: links from the public base URL whatever the Host header says,
security headers, rate limits (429 with Retry-After), and /metrics behind an operator's token."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.app import create_app
from services.gateway.atom import ATOM_NS
from services.gateway.rate_limits import RateLimiter
from services.kit.settings import Settings
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.read_model import FakeReadModel

PUBLIC = "https://press.example.gov.uk"
AT = datetime(2026, 1, 9, tzinfo=UTC)
ROW = {
    "release_id": "r1", "slug": "talks", "edition": 1, "title": "Talks", "summary": "",
    "body": "", "organisations": ["fco"], "first_published_at": AT, "public_updated_at": AT,
    "change_history": [], "state": "published", "withdrawal_explanation": None,
    "redirect_url": None, "state_changed_at": AT,
}  # fmt: skip


def app_with(**settings: Any) -> FastAPI:
    return create_app(
        Settings(demo_tokens=True, public_base_url=PUBLIC, **settings),
        bus=FakeCommandBus(respond=lambda _: None),
        reads=FakeReadModel(public=[ROW, {**ROW, "release_id": "r2", "slug": "more"}]),
    )


@pytest.fixture
def connect() -> Callable[[FastAPI], httpx.AsyncClient]:
    def client(app: FastAPI) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://gateway")

    return client


@pytest.fixture
async def client(
    connect: Callable[[FastAPI], httpx.AsyncClient],
) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(app_with()) as http:
        yield http


ATTACKER = {"Host": "attacker.example"}


async def test_atom_links_come_from_the_public_base_url_not_the_host_header(
    client: httpx.AsyncClient,
) -> None:
    feed = ET.fromstring((await client.get("/v1/feed.atom", headers=ATTACKER)).text)
    hrefs = [link.get("href") or "" for link in feed.iter(f"{{{ATOM_NS}}}link")]
    assert hrefs and all(href.startswith(PUBLIC + "/v1/") for href in hrefs), hrefs


async def test_ninjs_links_come_from_the_public_base_url_not_the_host_header(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/v1/public/talks.ninjs", headers=ATTACKER)
    assert "attacker.example" not in answer.text
    assert answer.json()["renditions"][0]["href"] == f"{PUBLIC}/v1/public/talks"


async def test_the_feed_s_next_link_comes_from_the_public_base_url(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/v1/feed", params={"limit": 1}, headers=ATTACKER)).json()
    assert page["next"] == f"{PUBLIC}/v1/feed?page=2&limit=1"


async def test_every_answer_says_nosniff_no_referrer_and_a_strict_csp(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/v1/feed", "/healthz", "/v1/releases/r1", "/nowhere"):
        headers = (await client.get(path)).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert "default-src 'none'" in headers["content-security-policy"], path


async def test_the_docs_page_has_a_csp_that_lets_swagger_ui_load(
    client: httpx.AsyncClient,
) -> None:
    csp = (await client.get("/docs")).headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "https://cdn.jsdelivr.net" in csp


async def test_authenticated_answers_are_never_cached(client: httpx.AsyncClient) -> None:
    answer = await client.get("/v1/releases/r1", headers={"Authorization": "Bearer dev-alice"})
    assert answer.status_code == 404
    assert answer.headers["cache-control"] == "no-store"
    assert "no-store" not in (await client.get("/v1/feed")).headers.get("cache-control", "")


async def test_failed_authentications_from_one_address_get_429_with_retry_after(
    connect: Callable[[FastAPI], httpx.AsyncClient],
) -> None:
    async with connect(app_with(rate_limit_failed_auth=3)) as http:
        bad = {"Authorization": "Bearer not-a-token"}
        statuses = [(await http.get("/v1/releases/r1", headers=bad)).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        blocked = await http.get("/v1/releases/r1", headers={"Authorization": "Bearer dev-alice"})
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) >= 1
        assert blocked.headers["content-type"] == "application/problem+json"


async def test_writes_per_principal_get_429_with_retry_after(
    connect: Callable[[FastAPI], httpx.AsyncClient],
) -> None:
    async with connect(app_with(rate_limit_writes_per_principal=2)) as http:

        async def write(token: str) -> httpx.Response:
            return await http.post(
                "/v1/releases/r1/submit",
                headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'},
            )

        assert [(await write("dev-alice")).status_code for _ in range(2)] != [429, 429]
        refused = await write("dev-alice")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert (await write("dev-bob")).status_code != 429  # another principal writes on
        reads = await http.get("/v1/releases/r1", headers={"Authorization": "Bearer dev-alice"})
        assert reads.status_code != 429  # reads are not writes


def test_a_limiter_opens_again_after_its_window() -> None:
    now = [100.0]
    limiter = RateLimiter(2, 60.0, clock=lambda: now[0])
    limiter.hit("a")
    limiter.hit("a")
    assert limiter.retry_after("a") == 60
    assert limiter.retry_after("b") is None
    now[0] += 59.5
    assert limiter.retry_after("a") == 1
    now[0] += 0.5
    assert limiter.retry_after("a") is None


def test_a_limit_of_zero_never_limits() -> None:
    limiter = RateLimiter(0, 60.0)
    for _ in range(1000):
        limiter.hit("a")
    assert limiter.retry_after("a") is None


async def test_metrics_can_require_an_operator_token(
    connect: Callable[[FastAPI], httpx.AsyncClient],
) -> None:
    async with connect(app_with(metrics_require_token=True)) as http:
        assert (await http.get("/metrics")).status_code == 401
        writer = await http.get("/metrics", headers={"Authorization": "Bearer dev-alice"})
        assert writer.status_code == 403
        operator = await http.get("/metrics", headers={"Authorization": "Bearer dev-olga"})
        assert operator.status_code == 200 and "pressroom" in operator.text


async def test_metrics_on_their_own_port_are_not_served_on_the_api_port(
    connect: Callable[[FastAPI], httpx.AsyncClient],
) -> None:
    async with connect(app_with(metrics_port=29999)) as http:
        assert (await http.get("/metrics")).status_code == 404
