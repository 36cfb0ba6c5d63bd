"""Command routes declared as data are documented as hand-written ones were, and a read the
database cannot answer is a 503 problem: over in-memory fakes, no I/O."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.gateway.app import COMMAND_ROUTES, create_app
from services.gateway.command_routes import CommandRoute, NoBody
from services.kit.settings import Settings
from services.read_models.model import ReadModelUnavailable
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.read_model import FakeReadModel

ALICE = {"Authorization": "Bearer dev-alice"}


class Unavailable(FakeReadModel):
    async def release(self, release_id: str) -> dict[str, Any] | None:
        raise ReadModelUnavailable("connection refused")


async def client_over(reads: FakeReadModel) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(demo_tokens=True, reply_timeout_s=0.1)
    app = create_app(settings, bus=FakeCommandBus(lambda _: None), reads=reads)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    app = create_app(
        Settings(demo_tokens=True), bus=FakeCommandBus(lambda _: None), reads=FakeReadModel()
    )
    return app.openapi()


def test_every_command_route_is_declared_once() -> None:
    keys = [(route.method, route.path) for route in COMMAND_ROUTES]
    assert len(keys) == len(set(keys)) == 11
    assert len({route.name for route in COMMAND_ROUTES}) == 11


@pytest.mark.parametrize("route", COMMAND_ROUTES, ids=[r.name for r in COMMAND_ROUTES])
def test_a_command_route_documents_its_body_headers_and_problems(
    openapi: dict[str, Any], route: CommandRoute[Any]
) -> None:
    operation = openapi["paths"][f"/v1/releases{route.path}"][route.method.lower()]
    assert operation["description"] == route.description
    assert operation["tags"] == [route.tag]
    assert operation["operationId"].startswith(route.name)
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"release_id", "Idempotency-Key", "Pressroom-Read-After"}
    if route.body is NoBody:
        assert "requestBody" not in operation
    else:
        body = operation["requestBody"]
        assert route.body.__name__ in str(body["content"]["application/json"]["schema"])
        assert body.get("required", False) is route.body_required
    responses = operation["responses"]
    assert "CommandAccepted" in str(responses["200"]) and "CommandPending" in str(responses["202"])
    for status in ("400", "401", "403", "404", "409", "422", "500", "503"):
        assert "application/problem+json" in responses[status]["content"], status


async def test_a_read_the_database_cannot_answer_is_a_503_problem() -> None:
    async for http in client_over(Unavailable()):
        response = await http.get("/v1/releases/r1", headers=ALICE)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "urn:pressroom:problem:read-model-unavailable"
        assert "connection refused" not in response.text
