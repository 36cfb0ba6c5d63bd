"""RFC 9457 problem details: one exception type, one renderer, and the handlers FastAPI needs."""

from __future__ import annotations

import re
import traceback
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.read_models.model import ReadModelUnavailable

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:pressroom:problem:"
log = structlog.get_logger()
_ROUTING_DETAILS = {
    404: "No route matches {method} {path}.",
    405: "{method} is not allowed on {path}; allowed: {allow}.",
}


class ProblemDetails(BaseModel):
    """The body of every error response (RFC 9457); extension members may follow."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


class ProblemError(Exception):
    """Raised anywhere in a request: rendered as problem+json with its status and headers."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = PROBLEM_BASE + slug if slug else "about:blank"
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.extensions = extensions or {}


def problem_response(
    error: ProblemError, instance: str | None, headers: dict[str, str] | None = None
) -> ProblemResponse:
    """Renders a problem; `instance` names this occurrence (the request path or the command)."""
    body = ProblemDetails(
        type=error.type,
        title=error.title,
        status=error.status,
        detail=error.detail,
        instance=instance,
        **error.extensions,
    )
    merged = {**error.headers, **(headers or {})}
    content = jsonable_encoder(body, exclude_none=True)
    return ProblemResponse(content, status_code=error.status, headers=merged)


def field_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic's errors without `input`/`ctx`, which may echo secrets or be unserialisable."""
    return [
        {
            "loc": list(e.get("loc", ())),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


async def _on_problem(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc, request.url.path)


async def _on_read_model_unavailable(request: Request, exc: Exception) -> ProblemResponse:
    # A read the database cannot answer is a 503 the client may retry, not a 500.
    problem = ProblemError(
        503, "The read model is unavailable; retry shortly.", slug="read-model-unavailable"
    )
    return problem_response(problem, request.url.path)


async def _on_validation(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
    problem = ProblemError(
        422,
        f"The request is not valid: {summary}",
        slug="validation-error",
        title="Invalid request",
        extensions={"errors": errors},
    )
    return problem_response(problem, request.url.path)


async def _on_http(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    if detail is None:
        detail = _ROUTING_DETAILS.get(exc.status_code, phrase).format(
            method=request.method, path=request.url.path, allow=headers.get("Allow", "")
        )
    # The door's refusals (request_guard.BodyRefused) name their problem type.
    problem = ProblemError(
        exc.status_code, detail, headers=headers, slug=getattr(exc, "problem_slug", None)
    )
    return problem_response(problem, request.url.path)


def _allowed_methods(request: Request) -> str:
    # Starlette's Allow names only the first route matching the path; the OpenAPI paths know all.
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods))


async def _on_crash(request: Request, exc: Exception) -> ProblemResponse:
    return crash_response(request.url.path, exc)


def crash_response(path: str, exc: Exception) -> ProblemResponse:
    """The 500 for an exception nothing handled: logged in full, answered without internals
    (the middleware sends it, so it carries X-Correlation-Id and keeps the connection)."""
    if isinstance(exc, StarletteHTTPException):  # raised outside a route, e.g. by receive
        slug = getattr(exc, "problem_slug", None)
        headers = dict(exc.headers or {})
        problem = ProblemError(exc.status_code, str(exc.detail), headers=headers, slug=slug)
        return problem_response(problem, path)
    # A plain traceback: renderers that print local variables would log bearer tokens.
    trace = "".join(traceback.format_exception(exc))
    log.error("unhandled_error", path=path, error=type(exc).__name__, traceback=trace)
    problem = ProblemError(500, "An unexpected error occurred; it has been logged.")
    return problem_response(problem, path)


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the app can produce, FastAPI's own included, becomes problem+json."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(ReadModelUnavailable, _on_read_model_unavailable)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_crash)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting problem+json bodies for these statuses."""
    return {
        status: {"model": ProblemDetails, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


def retarget_problem_media_type(schema: dict[str, Any]) -> dict[str, Any]:
    """Makes the OpenAPI document say what the gateway sends: every 4xx/5xx body (FastAPI's own
    422 included) is ProblemDetails as application/problem+json, and every operation lists
    the door's answers (request_guard.py): 400 and 500 anywhere, 401/408/413 with a body."""
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status in _door_statuses(operation):
                responses.setdefault(str(status), {"description": HTTPStatus(status).phrase})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = dict(problem)
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "ProblemDetails", ProblemDetails.model_json_schema()
    )
    return schema


def _door_statuses(operation: dict[str, Any]) -> tuple[int, ...]:
    return (400, 500, 401, 408, 413) if "requestBody" in operation else (400, 500)
