"""The door: what the gateway refuses before any route runs or any body is read (a NUL in the
URL, a body over the limit, a body from a caller without a valid token), and the receive that
counts a body's bytes and bounds how long it may take to arrive."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope

from services.gateway.auth import BearerVerifier, TokenStore, door_check
from services.gateway.problems import ProblemError

# The connection is closed after a refused body: what is left of it is never read.
CLOSE = {"Connection": "close"}


@dataclass(frozen=True)
class BodyLimits:
    """How large a request body may be, and how long after the request began it must be in."""

    max_bytes: int
    timeout_s: float


class BodyRefused(HTTPException):
    """Raised from `receive`: FastAPI re-raises an HTTPException met while reading a body, so
    this reaches the problem handlers as itself rather than as "error parsing the body"."""

    def __init__(self, status: int, detail: str, problem_slug: str) -> None:
        super().__init__(status, detail, headers=dict(CLOSE))
        self.problem_slug = problem_slug

    def as_problem(self) -> ProblemError:
        return ProblemError(
            self.status_code, self.detail, slug=self.problem_slug, headers=dict(CLOSE)
        )


def door_problem(
    scope: Scope, limits: BodyLimits, tokens: TokenStore, oidc: BearerVerifier | None = None
) -> ProblemError | None:
    """Why this request is refused before the app sees it, or None to let it in."""
    headers = Headers(scope=scope)
    if _has_nul(scope):
        return ProblemError(
            400,
            "The URL holds a NUL character (%00), which no Pressroom identifier or text may hold.",
            slug="invalid-url",
            title="Invalid URL",
        )
    length = headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limits.max_bytes):
        return too_large(limits).as_problem()
    if _carries_body(headers):  # authenticated before the body is read, not after
        try:
            scheme, _, token = headers.get("authorization", "").partition(" ")
            door_check(scheme, token.strip(), tokens, oidc)
        except ProblemError as unauthenticated:
            unauthenticated.headers.update(CLOSE)
            return unauthenticated
    return None


def too_large(limits: BodyLimits) -> BodyRefused:
    detail = f"A request body may hold at most {limits.max_bytes} bytes (docs/http-api.md)."
    return BodyRefused(413, detail, "body-too-large")


def _has_nul(scope: Scope) -> bool:
    # PostgreSQL text cannot hold NUL: refused here, not met as a database error later.
    path = scope.get("raw_path") or str(scope["path"]).encode("utf-8", "replace")
    query: bytes = scope.get("query_string", b"")
    return any(b"\x00" in unquote_to_bytes(part) for part in (path, query))


def _carries_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers


class GuardedReceive:
    """`receive` for the app: counts the body's bytes and waits for them until a deadline."""

    def __init__(self, receive: Receive, limits: BodyLimits) -> None:
        self.receive, self.limits = receive, limits
        self.deadline = asyncio.get_running_loop().time() + limits.timeout_s
        self.received = 0
        self.complete = False

    async def __call__(self) -> Message:
        if self.complete:  # after the body: http.disconnect, which may take any time
            return await self.receive()
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self.receive()
        except TimeoutError:
            detail = f"The request body did not arrive within {self.limits.timeout_s:g} s."
            raise BodyRefused(408, detail, "body-timeout") from None
        self._count(message)
        return message

    def _count(self, message: Message) -> None:
        if message["type"] != "http.request":
            self.complete = True
            return
        self.received += len(message.get("body", b""))
        if self.received > self.limits.max_bytes:
            raise too_large(self.limits)
        self.complete = not message.get("more_body", False)
