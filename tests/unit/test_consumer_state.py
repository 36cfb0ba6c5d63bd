"""Where a task waits (services/kit/consumer_state.py): the line the group watch logs when a
consumer has lost its group, so the next stall names its cause."""

from __future__ import annotations

import asyncio

from services.kit.consumer_state import consumer_state, where_it_waits


async def _inner(gate: asyncio.Event) -> None:
    await gate.wait()


async def _outer(gate: asyncio.Event) -> None:
    await _inner(gate)


async def test_a_suspended_task_shows_every_coroutine_down_to_what_it_awaits() -> None:
    gate = asyncio.Event()
    task = asyncio.create_task(_outer(gate))
    await asyncio.sleep(0)  # let it start and suspend
    lines = where_it_waits(task)
    names = [line.rsplit(" ", 1)[-1] for line in lines[:-1]]
    assert names[:3] == ["_outer", "_inner", "wait"]  # Task.get_stack stops at _outer
    assert lines[-1].startswith("awaits <Future pending")
    gate.set()
    await task


async def test_an_ended_task_says_how_it_ended() -> None:
    async def fails() -> None:
        raise RuntimeError("metadata task died")

    failed = asyncio.create_task(fails())
    cancelled = asyncio.create_task(asyncio.Event().wait())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(failed, cancelled, return_exceptions=True)
    assert where_it_waits(failed) == ["ended: RuntimeError('metadata task died')"]
    assert where_it_waits(cancelled) == ["cancelled"]
    assert where_it_waits(None) == ["no task"]


def test_a_consumer_without_the_expected_insides_is_still_described() -> None:
    # The real consumer's insides: tests/integration/test_consumer_state.py.
    assert consumer_state(object()) == {
        "coordination": ["no task"], "metadata_sync": ["no task"], "metadata_update_asked": False,
    }  # fmt: skip
