"""faust's consumer delivers each record through `wait_first` (services/kit/faust_delivery.py): a
delivery that needs no wait is done in the caller's task, with no task of its own; one that waits
is resumed where it stopped, and abandoned as before when the flow is suspended first."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Generator
from typing import Any

import pytest
from mode import Service

from services.kit.faust_delivery import EagerDelivery


class Consumer(EagerDelivery, Service):
    """What faust's Consumer is to the mixin: a mode Service."""


class _BareYield:
    def __await__(self) -> Generator[None, None, None]:
        yield


async def _next_turn() -> None:
    """Suspends on a future the loop resolves on its next turn: a delivery that waits."""
    loop = asyncio.get_running_loop()
    turned = loop.create_future()
    loop.call_soon(turned.set_result, None)
    await turned


async def test_a_delivery_that_needs_no_wait_is_done_in_the_callers_task() -> None:
    consumer, suspended = Consumer(), asyncio.Event()
    ran_in: list[asyncio.Task[Any] | None] = []

    async def deliver() -> str:
        ran_in.append(asyncio.current_task())
        return "delivered"

    tasks_before = len(asyncio.all_tasks())
    result = await consumer.wait_first(deliver(), suspended.wait())
    assert ran_in == [asyncio.current_task()]  # before: a task of its own, and three more
    assert len(asyncio.all_tasks()) == tasks_before
    assert result.results == ["delivered"] and not result.stopped


async def test_a_delivery_that_waits_goes_on_where_it_stopped() -> None:
    consumer, suspended = Consumer(), asyncio.Event()
    buffer_free, waiting_for_room = asyncio.Event(), asyncio.Event()
    steps: list[str] = []

    async def deliver() -> str:
        steps.append("first")
        waiting_for_room.set()
        await buffer_free.wait()
        steps.append("after the wait")
        await _BareYield()  # a bare yield too, as `asyncio.sleep(0)` makes
        return "delivered"

    waiting = asyncio.ensure_future(consumer.wait_first(deliver(), suspended.wait()))
    await asyncio.wait_for(waiting_for_room.wait(), 5)
    assert steps == ["first"] and not waiting.done()
    buffer_free.set()
    result = await asyncio.wait_for(waiting, 5)
    assert steps == ["first", "after the wait"]
    assert "delivered" in result.results


async def test_a_blocked_delivery_is_abandoned_when_the_flow_is_suspended() -> None:
    consumer, suspended, never = Consumer(), asyncio.Event(), asyncio.Event()
    blocked, cancelled = asyncio.Event(), asyncio.Event()

    async def deliver() -> None:
        blocked.set()
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    waiting = asyncio.ensure_future(consumer.wait_first(deliver(), suspended.wait()))
    await asyncio.wait_for(blocked.wait(), 5)
    suspended.set()
    await asyncio.wait_for(waiting, 5)
    await asyncio.wait_for(cancelled.wait(), 5)  # the rebalance took it back


@pytest.mark.parametrize("at_once", [True, False])
async def test_a_delivery_that_fails_raises_and_leaves_no_coroutine_unawaited(
    at_once: bool,
) -> None:
    consumer, suspended, ready = Consumer(), asyncio.Event(), asyncio.Event()
    ready.set()

    async def deliver() -> None:
        if not at_once:
            await _next_turn()
        raise ValueError("undeliverable")

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine … was never awaited" fails the test
        with pytest.raises(ValueError, match="undeliverable"):
            await consumer.wait_first(deliver(), suspended.wait())
        gc.collect()
