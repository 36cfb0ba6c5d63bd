"""The two kinds of faust agent every service registers, one per topic: its own commands, and a
policy per upstream events topic. Concurrency 1, so one release's records are handled in order;
the records of a poll in one transaction (services/kit/batches.py)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

import faust

from services.kit.batches import handle_records
from services.kit.faust_app import raw_topic, record_batches
from services.kit.handler import CommandHandler
from services.kit.policy import Policy, Reaction

HandlerFactory = Callable[[], Awaitable[CommandHandler]]


def register_commands(app: faust.App, topic: str, name: str, handler: HandlerFactory) -> None:
    """The service's commands topic, into its command handler."""

    @app.agent(raw_topic(app, topic), concurrency=1, name=name)
    async def handle_commands(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for batch in record_batches(stream):
            await handle_records(await handler(), batch)


def register_policy(
    app: faust.App, topic: str, name: str, handler: HandlerFactory, actor: str, reaction: Reaction
) -> None:
    """An upstream events topic turned into the service's own commands, idempotent per event."""

    @app.agent(raw_topic(app, topic), concurrency=1, name=name)
    async def react(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for batch in record_batches(stream):
            await Policy(actor, await handler(), reaction).on_batch(batch)
