"""The midnight storm with the rest of the stack busy: while the storm is set up and lifts, HTTP
creates keep arriving at a fixed rate (open loop, each one POST then GET until visible), so
drafting, publication, approval, the projector and the gateway work beside embargo."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import aiohttp
from rich.progress import Progress

from dev_tools.bench.drafting import BenchFailed, write_then_read
from dev_tools.bench.embargo_storm import StormResults, run_storm
from dev_tools.bench.http_client import HttpError


@dataclass
class LoadResult:
    """What the background load did meanwhile."""

    sent: int = 0
    done: int = 0
    failures: int = 0
    seconds: float = 0.0
    storm_failed: str = ""  # why the storm stopped, if it did: the rest of the run still counts

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else float("nan")


async def load_until(
    client: aiohttp.ClientSession, rate: float, stop: asyncio.Event, result: LoadResult
) -> None:
    """Starts one write-then-read every 1/rate s until `stop`; then waits for those started."""
    loop = asyncio.get_running_loop()
    start, pending = loop.time(), set()

    async def one(i: int) -> None:
        try:
            await write_then_read(client, i)
            result.done += 1
        except (BenchFailed, HttpError, TimeoutError):
            result.failures += 1

    while not stop.is_set():
        task = asyncio.create_task(one(result.sent))
        pending.add(task)
        task.add_done_callback(pending.discard)
        result.sent += 1
        next_at = start + result.sent / rate
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, next_at - loop.time()))
    await asyncio.gather(*pending)
    result.seconds = loop.time() - start


async def storm_under_load(
    bootstrap: str, client: aiohttp.ClientSession, releases: int, lead_s: float, rate: float,
    progress: Progress,
) -> tuple[StormResults | None, LoadResult]:  # fmt: skip
    """The storm from its set-up to its last lift, the load running from before to after; a
    storm that could not be set up in time is reported, not fatal."""
    stop, load = asyncio.Event(), LoadResult()
    loading = asyncio.create_task(load_until(client, rate, stop, load))
    storm = None
    try:
        storm = await run_storm(bootstrap, releases, lead_s, progress)
    except BenchFailed as error:
        load.storm_failed = str(error)
    finally:
        stop.set()
        await loading
    return storm, load
