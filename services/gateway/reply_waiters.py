"""Requests waiting for their command's outcome, by command id."""

from __future__ import annotations

import asyncio

from events.replies import CommandOutcome


class ReplyWaiters:
    """Futures by command id; several requests may wait for the same (idempotent) command."""

    def __init__(self) -> None:
        self._futures: dict[str, list[asyncio.Future[CommandOutcome]]] = {}

    def __contains__(self, command_id: object) -> bool:
        return command_id in self._futures

    def register(self, command_id: str) -> asyncio.Future[CommandOutcome]:
        """Call before sending, so a fast reply cannot arrive unobserved."""
        future: asyncio.Future[CommandOutcome] = asyncio.get_running_loop().create_future()
        self._futures.setdefault(command_id, []).append(future)
        return future

    def resolve(self, outcome: CommandOutcome) -> None:
        """Completes every future waiting for this command."""
        for future in self._futures.pop(outcome.command_id, []):
            if not future.done():
                future.set_result(outcome)

    def discard(self, command_id: str, future: asyncio.Future[CommandOutcome]) -> None:
        """Forgets a future whose request stopped waiting."""
        futures = self._futures.get(command_id, [])
        if future in futures:
            futures.remove(future)
        if not futures:
            self._futures.pop(command_id, None)
