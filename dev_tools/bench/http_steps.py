"""The HTTP side of whole releases: a client per demo user, and commands followed to their outcome
(a 202 followed with the same Idempotency-Key, a broken connection retried with it)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx

from dev_tools.bench.drafting import BenchFailed
from services.kit.settings import Settings

ROLES = {"alice": "dev-alice", "erin": "dev-erin", "frank": "dev-frank", "carol": "dev-carol"}
STEP_TIMEOUT_S = 120.0  # one step's patience (the machine may be loaded); then it failed
POLL_S = 0.05
TRANSPORT_RETRIES = 3


@asynccontextmanager
async def clients(settings: Settings, concurrency: int) -> AsyncIterator[dict[str, Any]]:
    """One HTTP client per demo user, each with a connection per release in flight."""
    base = f"http://{settings.gateway_host}:{settings.gateway_port}"
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with AsyncExitStack() as stack:
        users = {}
        for name, token in ROLES.items():
            client = httpx.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {token}"},
                timeout=STEP_TIMEOUT_S, limits=limits,
            )  # fmt: skip
            users[name] = await stack.enter_async_context(client)
        yield users


async def outcome(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """A command's answer: after a 202 the same Idempotency-Key brings the outcome."""
    headers = {**kwargs.pop("headers", {}), "Idempotency-Key": str(uuid.uuid4())}
    answer = await again_if_cut(http, method, url, headers=headers, **kwargs)
    while answer.status_code == 202:
        await asyncio.sleep(POLL_S)
        answer = await again_if_cut(http, method, url, headers=headers, **kwargs)
    return answer


async def again_if_cut(
    http: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """A request sent again when the connection broke: safe, as every command carries its
    Idempotency-Key (a loaded gateway may drop a kept-alive connection under a request)."""
    for _ in range(TRANSPORT_RETRIES):
        try:
            return await http.request(method, url, **kwargs)
        except httpx.TransportError:
            await asyncio.sleep(POLL_S)
    return await http.request(method, url, **kwargs)


async def settled(
    http: httpx.AsyncClient, method: str, url: str, expected: int = 200, **kwargs: Any
) -> httpx.Response:
    """The outcome, which must be `expected`."""
    answer = await outcome(http, method, url, **kwargs)
    if answer.status_code != expected:
        raise BenchFailed(f"{method} {url} answered {answer.status_code}: {answer.text[:300]}")
    return answer
