"""The HTTP side of whole releases: a client per demo user, and commands followed to their outcome
(a 202 followed with the same Idempotency-Key, a broken connection retried with it).

aiohttp, like the open-loop load (http_client.py says why not httpx): with httpx the lifecycle's
own client spent 43 to 60 ms of CPU a release on this 2-CPU machine, half of it in httpcore's pool
checking every one of its hundred connections (a `getpeername` each) for every request it placed
(py-spy, 2026-12-06), on the CPUs the stack it measures needs."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from dev_tools.bench.drafting import BenchFailed
from dev_tools.bench.http_client import gateway_session
from services.kit.settings import Settings

ROLES = {"alice": "dev-alice", "erin": "dev-erin", "frank": "dev-frank", "carol": "dev-carol"}
STEP_TIMEOUT_S = 120.0  # one step's patience (the machine may be loaded); then it failed
POLL_S = 0.05
TRANSPORT_RETRIES = 3


@dataclass(frozen=True)
class Answer:
    """A response read whole: what the steps look at once its connection is back in the pool."""

    status: int
    headers: Mapping[str, str]  # case-insensitive, as HTTP header names are
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


@asynccontextmanager
async def clients(settings: Settings, concurrency: int) -> AsyncIterator[dict[str, Any]]:
    """One HTTP client per demo user, each with a connection per release in flight."""
    async with AsyncExitStack() as stack:
        users = {}
        for name, token in ROLES.items():
            client = gateway_session(settings, token, concurrency + 4, STEP_TIMEOUT_S)
            users[name] = await stack.enter_async_context(client)
        yield users


async def outcome(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Answer:
    """A command's answer: after a 202 the same Idempotency-Key brings the outcome."""
    headers = {**kwargs.pop("headers", {}), "Idempotency-Key": str(uuid.uuid4())}
    answer = await again_if_cut(http, method, url, headers=headers, **kwargs)
    while answer.status == 202:
        await asyncio.sleep(POLL_S)
        answer = await again_if_cut(http, method, url, headers=headers, **kwargs)
    return answer


async def again_if_cut(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Answer:
    """A request sent again when the connection broke: safe, as every command carries its
    Idempotency-Key (a loaded gateway may drop a kept-alive connection under a request)."""
    for _ in range(TRANSPORT_RETRIES):
        try:
            return await _request(http, method, url, **kwargs)
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(POLL_S)
    return await _request(http, method, url, **kwargs)


async def _request(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Answer:
    async with http.request(method, url, **kwargs) as response:
        return Answer(response.status, response.headers.copy(), await response.read())


async def settled(
    http: aiohttp.ClientSession, method: str, url: str, expected: int = 200, **kwargs: Any
) -> Answer:
    """The outcome, which must be `expected`."""
    answer = await outcome(http, method, url, **kwargs)
    if answer.status != expected:
        raise BenchFailed(f"{method} {url} answered {answer.status}: {answer.text[:300]}")
    return answer
