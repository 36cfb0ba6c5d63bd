"""The bench's HTTP client for its open-loop load (latency, the storm's background load): aiohttp.

Not httpx, as before: httpcore's pool (1.0) walks every connection it holds for each request
it places, and an open loop at 50 to 300 requests/s holds hundreds. On this 2-CPU machine the
bench client then spent about 10 ms of CPU per request and could not send more than about 25
write-then-reads/s, which the report took for the stack's ceiling (docs/benchmarks.md,
2026-12-05). aiohttp is the field's asyncio load client, already installed with faust-streaming;
about 1 ms of CPU a request.
"""

from __future__ import annotations

import aiohttp

from services.kit.settings import Settings

# What a request can fail with on the wire or at the door (a refused connection, a broken one,
# a status raised for): the caller counts it as that request's failure.
HttpError = aiohttp.ClientError
# Open loop: the pool must never make a request wait for a connection.
MAX_CONNECTIONS = 1_000
REQUEST_TIMEOUT_S = 30.0


def gateway_base(settings: Settings) -> str:
    return f"http://{settings.gateway_host}:{settings.gateway_port}"


def gateway_session(
    settings: Settings,
    token: str = "dev-alice",
    connections: int = MAX_CONNECTIONS,
    timeout_s: float = REQUEST_TIMEOUT_S,
) -> aiohttp.ClientSession:
    """As a demo user (alice, the writer, unless told); made inside the running event loop."""
    return aiohttp.ClientSession(
        gateway_base(settings),
        headers={"Authorization": f"Bearer {token}"},
        timeout=aiohttp.ClientTimeout(total=timeout_s),
        connector=aiohttp.TCPConnector(limit=connections),
    )
