"""/healthz, /readyz and /metrics of a non-HTTP process, on a small port of its own.

The stdlib's threaded HTTP server answers from its own thread, so a probe is answered even while
the event loop is busy with a batch; the loop proves it is alive by beating (`Readiness.beat`),
and a loop that stopped beating fails /healthz (the orchestrator restarts the process)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import structlog
from aiokafka.errors import KafkaError
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from services.kit.db import Pool
from services.kit.listening import CannotListen, cannot_listen

log = structlog.get_logger()
# A loop that has not beaten for this long is stuck: liveness fails.
STALE_AFTER_S = 60.0


@dataclass
class Readiness:
    """Named checks the process's loop sets; the health server's thread reads them."""

    names: Iterable[str]
    _checks: dict[str, bool] = field(init=False)
    _beat: float = field(init=False, default_factory=time.monotonic)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._checks = dict.fromkeys(self.names, False)

    def set(self, name: str, ok: bool) -> None:
        with self._lock:
            self._checks[name] = ok

    def beat(self) -> None:
        with self._lock:
            self._beat = time.monotonic()

    def checks(self) -> dict[str, bool]:
        with self._lock:
            return dict(self._checks)

    def ready(self) -> bool:
        return all(self.checks().values())

    def alive(self) -> bool:
        with self._lock:
            return time.monotonic() - self._beat < STALE_AFTER_S


# What a pool raises while PostgreSQL is away or just back. InternalClientError ("cannot switch
# to state 12; another operation is in progress"): a pooled connection a restart left in the
# middle of an operation (asyncpg#784); it is no subclass of InterfaceError, and `make chaos`
# (2026-12-07 11:51) saw it escape the readiness check and stop drafting.
POSTGRES_AWAY = (
    OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)  # fmt: skip


async def postgres_answers(pool: Pool, timeout: float) -> bool:
    """True when the pool hands out a connection that answers within `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout):
            return bool(await pool.fetchval("SELECT 1"))
    except POSTGRES_AWAY:
        return False


async def kafka_answers(metadata: Callable[[], Awaitable[object]], timeout: float) -> bool:
    """True when a broker answers a metadata request within `timeout` seconds. A consumer that
    sits in its group does not notice the broker gone until it next needs it: ask."""
    try:
        async with asyncio.timeout(timeout):
            await metadata()
        return True
    except (KafkaError, OSError, TimeoutError):
        return False


class HealthServer:
    """Serves the three routes until `stop()`; port 0 in `start` asks the OS for a free one."""

    def __init__(
        self, process: str, readiness: Readiness, registry: CollectorRegistry = REGISTRY
    ) -> None:
        self.process = process
        self.readiness = readiness
        self.registry = registry
        self._server: ThreadingHTTPServer | None = None

    def start(self, host: str, port: int) -> int:
        """Binds and serves in a daemon thread; returns the port it listens on. CannotListen
        when the address is taken or not allowed."""
        try:
            self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        except OSError as error:
            raise CannotListen(cannot_listen(host, port, "PRESSROOM_HEALTH_PORT", error)) from None
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="health", daemon=True).start()
        return int(self._server.server_address[1])

    def start_or_exit(self, host: str, port: int) -> None:
        """`start` for a process's entry point: the port it listens on in the log, or why it
        cannot have it and exit 2 (a process without its health port cannot be deployed)."""
        try:
            listening = self.start(host, port)
        except CannotListen as error:
            log.error("refusing_to_start", reason=str(error))
            raise SystemExit(2) from None
        log.info("health_serving", host=host, port=listening)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body of one GET."""
        if path == "/healthz":
            alive = self.readiness.alive()
            return _json(200 if alive else 503, {"status": "ok" if alive else "stuck"})
        if path == "/readyz":
            return self._readyz()
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest(self.registry)
        return _problem(404, "Not found.", "not-found", {})

    def _readyz(self) -> tuple[int, str, bytes]:
        checks = self.readiness.checks()
        if all(checks.values()):
            return _json(200, {"status": "ready", "process": self.process, "checks": checks})
        failing = ", ".join(name for name, ok in checks.items() if not ok)
        return _problem(503, f"Not ready: {failing}.", "not-ready", {"checks": checks})


def _json(status: int, body: dict[str, Any]) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body).encode()


def _problem(status: int, title: str, slug: str, extra: dict[str, Any]) -> tuple[int, str, bytes]:
    body = {"type": f"urn:pressroom:problem:{slug}", "title": title, **extra}
    body["status"] = status
    return status, "application/problem+json", json.dumps(body).encode()


def _handler_for(server: HealthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, body = server.answer(self.path.split("?", 1)[0])
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Probes every few seconds would drown the process's own log."""

    return Handler
