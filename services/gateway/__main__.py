"""`python -m services.gateway`: serve the gateway with uvicorn on settings.gateway_host:port
(and /metrics alone on settings.metrics_port when one is set)."""

from __future__ import annotations

import asyncio
import socket
import sys
from dataclasses import dataclass

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
from services.kit.listening import CannotListen, listening_socket
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
    try:  # bound now, before the app connects to Kafka and PostgreSQL at its start
        sockets = listening_sockets(settings)
    except CannotListen as error:
        print(f"pressroom gateway: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    servers = [Serving(server(app, settings), sockets[0])]
    if settings.metrics_port:
        metrics = metrics_only(app.state.gateway)
        servers.append(Serving(server(metrics, settings), sockets[1]))
    settle_heap()  # services/kit/heap.py: the collector leaves what bootstrap made alone
    trim_heap_every(settings.heap_trim_interval_s)
    # uvloop: a request is mostly socket reads and writes and callbacks, which libuv does cheaper.
    run_on_uvloop(serve_all(servers))


def listening_sockets(settings: Settings) -> list[socket.socket]:
    """The API's port, then the metrics port when one is set."""
    host = settings.gateway_host
    sockets = [listening_socket(host, settings.gateway_port, "PRESSROOM_GATEWAY_PORT")]
    if settings.metrics_port:
        sockets.append(listening_socket(host, settings.metrics_port, "PRESSROOM_METRICS_PORT"))
    return sockets


@dataclass(frozen=True)
class Serving:
    """A uvicorn server and the socket it serves on, bound already."""

    server: uvicorn.Server
    sock: socket.socket


def server(app: FastAPI | Starlette, settings: Settings) -> uvicorn.Server:
    # Our middleware writes the access log; uvicorn's loggers fall through to the root handler.
    # No `server: uvicorn` header: it only tells an attacker what to look up. uvicorn's own
    # keep-alive (5 s) equals httpx's pool expiry: a client could reuse a connection just as the
    # server closed it, and a POST then fails with a broken connection (docs/deployment.md).
    # httptools (llhttp, in C) parses HTTP/1.1: with uvicorn's pure-Python h11 the gateway spent
    # about 7% more CPU per request (docs/benchmarks.md). Named, so that a missing wheel fails at
    # start instead of falling back to h11 unnoticed.
    config = uvicorn.Config(
        app, log_config=None, access_log=False, server_header=False,
        timeout_keep_alive=settings.gateway_keep_alive_s, http="httptools",
    )  # fmt: skip
    return uvicorn.Server(config)


def metrics_only(gateway: Gateway) -> Starlette:
    """/metrics and nothing else, for a port only the monitoring network reaches."""

    async def metrics(_: Request) -> Response:
        return await metrics_exposition(gateway)

    return Starlette(routes=[Route("/metrics", metrics)])


async def serve_all(servers: list[Serving]) -> None:
    """Serves every server; the first to stop (a signal) stops the others."""
    tasks = [asyncio.create_task(one.server.serve(sockets=[one.sock])) for one in servers]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for one in servers:
        one.server.should_exit = True
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    main()
