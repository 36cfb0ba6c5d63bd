"""faust's consumer hands each fetched record to its conductor through mode's
`Service.wait_first(delivery, suspend_flow.wait())`: four tasks and an `asyncio.wait` a record,
so that a rebalance (`suspend_flow`) can abandon a delivery blocked on a full buffer
(faust/transport/consumer.py, `_drain_messages`). A delivery almost never blocks, and those
tasks were its cost: 17 µs a record on uvloop, in every faust service, for every record it reads
(issue 15, docs/benchmarks.md).

`EagerDelivery.wait_first` takes the delivery's first step at once, in the caller's task. One that
finishes there is done, no task made; one that waits is raced against the rest exactly as before,
from where it stopped. The result is the same; faust's drain loop does not read it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any

from mode.services import WaitResults


class EagerDelivery:
    """Mixin for a mode Service (faust's Consumer): `wait_first` with the first awaitable, a
    coroutine, run eagerly."""

    _stopped: Any  # mode's Events, set when the service stops or crashes
    _crashed: Any

    async def wait_first(self, *coros: Any, timeout: Any = None) -> Any:
        race = super().wait_first  # type: ignore[misc]
        first = coros[0] if coros else None
        stopping = self._stopped.is_set() or self._crashed.is_set()
        if timeout is not None or stopping or not asyncio.iscoroutine(first):
            return await race(*coros, timeout=timeout)
        try:
            waiting_on = first.send(None)
        except StopIteration as done:
            _close(coros[1:])
            return WaitResults([first], [done.value], False)
        except BaseException:
            _close(coros[1:])
            raise
        return await race(_Resumed(first, waiting_on), *coros[1:], timeout=timeout)


class _Resumed:
    """A coroutine already started and waiting on `waiting_on`, as an awaitable: a task that
    awaits it goes on where the first step stopped, as the coroutine's own task would have."""

    def __init__(self, coro: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
        self.coro = coro
        self.waiting_on = waiting_on

    def __await__(self) -> Generator[Any, None, Any]:
        coro, waiting_on = self.coro, self.waiting_on
        while True:
            try:
                yield waiting_on  # the future it awaits (or None, a bare yield): the task waits
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as error:  # cancelled, most often: into the coroutine
                thrown: BaseException | None = error
            else:
                thrown = None
            try:
                waiting_on = coro.send(None) if thrown is None else coro.throw(thrown)
            except StopIteration as done:
                return done.value


def _close(coros: tuple[Any, ...]) -> None:
    """The other awaitables, never started: closed, not left to warn that none awaited them."""
    for coro in coros:
        if asyncio.iscoroutine(coro):
            coro.close()
