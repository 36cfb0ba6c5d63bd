"""Tried as an approval bot would: an httpx client (pool expiry 5 s) that reuses a connection
it kept idle. The gateway used uvicorn's own keep-alive, also 5 s, so a request could go out on
a connection the server was closing, and a POST then failed with a broken connection
(`httpx.ReadError`, seen under the bench's load). The gateway now keeps idle connections open
longer than common clients' pools do (`PRESSROOM_GATEWAY_KEEP_ALIVE_S`, 75 s)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.stack_fixture import Stack

pytestmark = pytest.mark.integration
# Past uvicorn's default keep-alive (5 s) and httpx's pool expiry (5 s), by a margin.
IDLE_WINDOW_S = 8.0
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: keep-alive\r\n\r\n"


async def test_an_idle_connection_outlives_a_clients_pool_expiry_and_still_answers(
    stack: Stack,
) -> None:
    assert httpx.Limits().keepalive_expiry is not None
    assert httpx.Limits().keepalive_expiry < IDLE_WINDOW_S
    settings = stack.settings
    reader, writer = await asyncio.open_connection(settings.gateway_host, settings.gateway_port)
    try:
        writer.write(REQUEST)
        await writer.drain()
        assert (await _response(reader)).startswith(b"HTTP/1.1 200")
        # Nothing may arrive while the connection is idle: an end of stream here is the server
        # closing it under a client that still counts it as fresh.
        try:
            closed: bytes | None = await asyncio.wait_for(reader.read(1), IDLE_WINDOW_S)
        except TimeoutError:
            closed = None  # still open, as it should be
        assert closed is None, f"the gateway closed an idle connection within {IDLE_WINDOW_S} s"
        writer.write(REQUEST)
        await writer.drain()
        assert (await _response(reader)).startswith(b"HTTP/1.1 200")
    finally:
        writer.close()


async def _response(reader: asyncio.StreamReader) -> bytes:
    """One whole response: its head, then the body its Content-Length announces."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head + await asyncio.wait_for(reader.readexactly(length), 30)
