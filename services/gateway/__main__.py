"""`python -m services.gateway`: serve the gateway with uvicorn on settings.gateway_host:port
(and /metrics alone on settings.metrics_port when one is set)."""

from __future__ import annotations

import asyncio
import sys

import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.gateway.app import create_app
from services.gateway.auth import TokenFileError
from services.gateway.deps import Gateway
from services.gateway.routes.ops import metrics_exposition
from services.kit.command_auth import CommandKeysMissing, KeysFileError
from services.kit.heap import settle_heap, trim_heap_every
from services.kit.kafka_on_uvloop import run_on_uvloop
from services.kit.logging import configure_logging
from services.kit.settings import Settings, load_settings
from services.kit.tracing_setup import instrument_gateway


def main() -> None:
    """Reads the environment, loads the tokens, serves until SIGINT/SIGTERM."""
    settings = load_settings()
    configure_logging(settings, "gateway")
    try:
        app = create_app(settings)
    except (TokenFileError, CommandKeysMissing, KeysFileError) as error:
        print(f"pressroom gateway: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    instrument_gateway(app)
    servers = [server(app, settings.gateway_host, settings.gateway_port, settings)]
    if settings.metrics_port:
        metrics = metrics_only(app.state.gateway)
        servers.append(server(metrics, settings.gateway_host, settings.metrics_port, settings))
    settle_heap()  # services/kit/heap.py: the collector leaves what bootstrap made alone
    trim_heap_every(settings.heap_trim_interval_s)
    # uvloop: a request is mostly socket reads and writes and callbacks, which libuv does cheaper.
    run_on_uvloop(serve_all(servers))


def server(app: FastAPI | Starlette, host: str, port: int, settings: Settings) -> uvicorn.Server:
    # Our middleware writes the access log; uvicorn's loggers fall through to the root handler.
    # No `server: uvicorn` header: it only tells an attacker what to look up. uvicorn's own
    # keep-alive (5 s) equals httpx's pool expiry: a client could reuse a connection just as the
    # server closed it, and a POST then fails with a broken connection (docs/deployment.md).
    # httptools (llhttp, in C) parses HTTP/1.1: with uvicorn's pure-Python h11 the gateway spent
    # about 7% more CPU per request (docs/benchmarks.md). Named, so that a missing wheel fails at
    # start instead of falling back to h11 unnoticed.
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, server_header=False,
        timeout_keep_alive=settings.gateway_keep_alive_s, http="httptools",
    )  # fmt: skip
    return uvicorn.Server(config)


def metrics_only(gateway: Gateway) -> Starlette:
    """/metrics and nothing else, for a port only the monitoring network reaches."""

    async def metrics(_: Request) -> Response:
        return await metrics_exposition(gateway)

    return Starlette(routes=[Route("/metrics", metrics)])


async def serve_all(servers: list[uvicorn.Server]) -> None:
    """Serves every server; the first to stop (a signal) stops the others."""
    tasks = [asyncio.create_task(one.serve()) for one in servers]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for one in servers:
        one.should_exit = True
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    main()
