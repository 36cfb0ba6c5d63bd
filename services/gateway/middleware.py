"""Per request: a correlation id (X-Correlation-Id or a new one), an access log line, metrics;
the door's refusals (request_guard.py); and a problem, never a dropped connection, for a crash."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.deps import Gateway
from services.gateway.problems import crash_response, problem_response
from services.gateway.request_guard import BodyLimits, GuardedReceive, door_problem

log = structlog.get_logger()
CORRELATION_HEADER = "X-Correlation-Id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_QUIET_ROUTES = {"/healthz", "/readyz", "/metrics"}


def correlation_id_from(header: str | None) -> str:
    """The client's correlation id when it is a safe token, else a fresh one."""
    if header is not None and _SAFE_ID.match(header):
        return header
    return str(uuid.uuid4())


def route_template(scope: Scope) -> str:
    """The matched route's path template (bounded label values), or `unmatched`."""
    route = scope.get("route")
    if route is not None:
        return str(getattr(route, "path", "unmatched"))
    # Plain Starlette routes (/openapi.json, /docs) only leave their endpoint behind.
    return str(scope["path"]) if "endpoint" in scope else "unmatched"


class RequestContextMiddleware:
    """Pure ASGI, so it sees every response, problem or crash, and streams untouched."""

    def __init__(self, app: ASGIApp, gateway: Gateway) -> None:
        self.app = app
        self.gateway = gateway
        self.metrics = gateway.metrics
        settings = gateway.settings
        self.limits = BodyLimits(settings.http_max_body_bytes, settings.http_body_timeout_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = correlation_id_from(Headers(scope=scope).get(CORRELATION_HEADER))
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        status = 500  # what the client gets if the app dies before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(CORRELATION_HEADER, correlation_id)
            await send(message)

        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            try:
                await self._answer(scope, receive, send_with_id)
            finally:
                self._record(scope, status, time.perf_counter() - started)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = door_problem(scope, self.limits, self.gateway.tokens, self.gateway.oidc)
        if refused is not None:
            await problem_response(refused, scope["path"])(scope, receive, send)
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, GuardedReceive(receive, self.limits), send_noting_start)
        except Exception as error:
            if started:  # too late for a problem: the server ends the response as it can
                raise
            await crash_response(scope["path"], error)(scope, receive, send)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        self.metrics.request(scope["method"], route, status, seconds)
        level = log.debug if route in _QUIET_ROUTES else log.info
        level(
            "http_request",
            method=scope["method"],
            path=scope["path"],
            route=route,
            status=status,
            ms=round(seconds * 1000, 1),
        )
