"""Sleeping on an event (services/kit/wakeup.py): the sleeper resumes at the loop's next turn
after `set()`. The relay's wait on its wake-up and its stop event took three turns, a
read-your-writes GET's `asyncio.wait_for` two, and on a busy loop every turn let other ready work
run before the relay read the rows a commit had just written, or before the GET read the release
the projector had just written (issue 15)."""

from __future__ import annotations

import asyncio

from services.kit.wakeup import sleep_until_set, stop_sets

# Far longer than any test waits: a sleep ended by this timeout here would be a failure.
LONG_S = 60.0


async def _turns_until_woken(wake: asyncio.Event, sleep: asyncio.Task[None]) -> int:
    await asyncio.sleep(0)  # the sleeper is asleep now
    wake.set()
    for turns in range(1, 10):
        await asyncio.sleep(0)
        if sleep.done():
            return turns
    raise AssertionError("the sleeper did not resume within nine turns of the loop")


async def test_the_sleeper_resumes_at_the_next_turn_after_set() -> None:
    wake = asyncio.Event()
    sleep = asyncio.create_task(sleep_until_set(wake, LONG_S))
    assert await _turns_until_woken(wake, sleep) == 1


async def test_a_stop_wakes_a_sleeper_inside_stop_sets_at_once() -> None:
    wake, stop = asyncio.Event(), asyncio.Event()

    async def sleeper() -> None:
        async with stop_sets(stop, wake):
            await sleep_until_set(wake, LONG_S)

    sleeping = asyncio.create_task(sleeper())
    await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(sleeping, LONG_S / 2)
    assert wake.is_set()


async def test_an_event_set_before_the_sleep_is_not_missed() -> None:
    wake = asyncio.Event()
    wake.set()
    await asyncio.wait_for(sleep_until_set(wake, LONG_S), LONG_S / 2)


async def test_a_sleep_nobody_wakes_ends_by_its_timeout_without_an_error() -> None:
    wake = asyncio.Event()
    await asyncio.wait_for(sleep_until_set(wake, 0.01), LONG_S)
    assert not wake.is_set()


async def test_outside_stop_sets_a_stop_no_longer_sets_the_wake_up() -> None:
    wake, stop = asyncio.Event(), asyncio.Event()
    async with stop_sets(stop, wake):
        pass
    stop.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not wake.is_set()
