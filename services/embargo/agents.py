"""Embargo's faust agents: thin shells from a Kafka record to the command handler."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

import faust

from events.topics import APPROVAL_EVENTS, EMBARGO_COMMANDS, PUBLICATION_EVENTS
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.batches import handle_records
from services.kit.faust_app import raw_topic, record_batches
from services.kit.handler import CommandHandler
from services.kit.policy import Policy, Reaction


def register_agents(
    app: faust.App,
    handler: Callable[[], Awaitable[CommandHandler]],
    on_approval: Reaction,
    on_publication: Reaction,
) -> None:
    """One agent per topic, concurrency 1, so one release's records are handled in order; the
    records of a poll in one transaction (services/kit/batches.py)."""

    @app.agent(raw_topic(app, EMBARGO_COMMANDS), concurrency=1, name="embargo-commands")
    async def handle_embargo_commands(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for batch in record_batches(stream):
            await handle_records(await handler(), batch)

    @app.agent(raw_topic(app, APPROVAL_EVENTS), concurrency=1, name="embargo-on-approval")
    async def react_to_approval_events(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for batch in record_batches(stream):
            await Policy(SYSTEM_ACTOR.id, await handler(), on_approval).on_batch(batch)

    @app.agent(raw_topic(app, PUBLICATION_EVENTS), concurrency=1, name="embargo-on-publication")
    async def react_to_publication_events(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for batch in record_batches(stream):
            await Policy(SYSTEM_ACTOR.id, await handler(), on_publication).on_batch(batch)
