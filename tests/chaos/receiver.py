"""The subscribers' end on 127.0.0.1: a webhook receiver that, by a seeded draw per call,
answers at once, fails (503), answers slowly, or hangs past the sender's timeout; every call is
recorded with the time it arrived."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# (share of calls, what happens): the rest answer 200 at once.
FAIL, SLOW, HANG = 0.12, 0.08, 0.03
HANG_S = 12.0  # past PRESSROOM_DELIVERY_TIMEOUT_S (10 s by default)


@dataclass(frozen=True)
class Call:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int
    at: float  # when it arrived (monotonic)


@dataclass
class FlakyReceiver:
    seed: int
    base_url: str = ""
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    async def handle(self, request: web.Request) -> web.Response:
        arrived, raw = time.monotonic(), await request.read()
        draw = self.random.random()
        status = 503 if draw < FAIL else 200
        if FAIL <= draw < FAIL + SLOW:
            await asyncio.sleep(self.random.uniform(0.5, 3.0))
        elif FAIL + SLOW <= draw < FAIL + SLOW + HANG:
            await asyncio.sleep(HANG_S)
            status = 504  # the sender gave up: not a delivery
        call = Call(request.path, dict(request.headers), json.loads(raw), status, arrived)
        self.calls.append(call)
        return web.Response(status=status, text="ok" if status == 200 else "not now")

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


@asynccontextmanager
async def flaky_receiver(seed: int) -> AsyncIterator[FlakyReceiver]:
    receiver = FlakyReceiver(seed)
    app = web.Application()
    app.router.add_post("/{path:.*}", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.base_url = f"http://127.0.0.1:{port}"
    try:
        yield receiver
    finally:
        await runner.cleanup()
