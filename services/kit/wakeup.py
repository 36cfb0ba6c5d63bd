"""Sleeping until an `asyncio.Event` is set, resumed at the loop's next turn after `set()`.

`asyncio.wait_for(event.wait(), t)` runs the wait in a task of its own, and `asyncio.wait` over a
wake-up and a stop event in two: the sleeper then resumed three turns after `set()`. On a busy
loop every turn lets other ready work run first (a command's logging, faust's acks, other HTTP
requests), and both the relay's wake-up after a commit and a read-your-writes GET's after the
projector's NOTIFY are on every write's path (issue 15, docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


async def sleep_until_set(event: asyncio.Event, timeout: float) -> None:
    """Returns once `event` is set (at once if it is already), or after `timeout` seconds."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()


@contextlib.asynccontextmanager
async def stop_sets(stop: asyncio.Event, wake: asyncio.Event) -> AsyncIterator[None]:
    """While inside, `stop` being set sets `wake` too: a loop that sleeps on `wake` alone still
    ends promptly when told to stop."""

    async def relay_stop() -> None:
        await stop.wait()
        wake.set()

    watcher = asyncio.create_task(relay_stop())
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
