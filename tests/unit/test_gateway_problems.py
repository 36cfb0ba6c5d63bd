"""Every error the gateway can produce is RFC 9457 problem+json, FastAPI's own ones included."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI

from services.gateway.problems import (
    ProblemError,
    field_errors,
    install_problem_handlers,
    problem_response,
)


def app_with(route_error: Exception) -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise route_error

    @app.get("/items/{number}")
    async def item(number: int) -> dict[str, int]:
        return {"number": number}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


def test_a_problem_renders_every_member_and_its_headers() -> None:
    error = ProblemError(
        409, "stale", slug="stale-version", headers={"Retry-After": "1"}, extensions={"x": 1}
    )
    response = problem_response(error, "/v1/releases/r1")
    assert response.media_type == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert json.loads(bytes(response.body)) == {
        "type": "urn:pressroom:problem:stale-version",
        "title": "Conflict",
        "status": 409,
        "detail": "stale",
        "instance": "/v1/releases/r1",
        "x": 1,
    }


async def test_a_raised_problem_becomes_its_response() -> None:
    response = await app_with(ProblemError(428, "send If-Match")).get("/boom")
    assert response.status_code == 428
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "about:blank"


async def test_request_validation_errors_list_the_fields() -> None:
    response = await app_with(RuntimeError()).get("/items/seven")
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:pressroom:problem:validation-error"
    assert problem["errors"][0]["loc"] == ["path", "number"]
    assert "path.number" in problem["detail"]


async def test_unknown_routes_and_methods_are_problems() -> None:
    client = app_with(RuntimeError())
    missing = await client.get("/nowhere")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "No route matches GET /nowhere.",
    )
    wrong = await client.delete("/boom")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET"
    assert wrong.headers["content-type"] == "application/problem+json"


async def test_a_crash_is_a_500_problem_without_the_stack_trace() -> None:
    response = await app_with(RuntimeError("secret internals")).get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_field_errors_drop_the_input_echo() -> None:
    errors = [{"loc": ("body", "title"), "msg": "too long", "type": "x", "input": "s3cret"}]
    assert field_errors(errors) == [{"loc": ["body", "title"], "msg": "too long", "type": "x"}]
