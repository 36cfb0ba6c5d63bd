"""Embargo's faust agents: thin shells from a Kafka record to the command handler."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

import faust

from events.topics import APPROVAL_EVENTS, EMBARGO_COMMANDS, PUBLICATION_EVENTS
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.faust_app import raw_topic, record_of
from services.kit.handler import CommandHandler
from services.kit.policy import Policy, Reaction


def register_agents(
    app: faust.App,
    handler: Callable[[], Awaitable[CommandHandler]],
    on_approval: Reaction,
    on_publication: Reaction,
) -> None:
    """One agent per topic, concurrency 1, so one release's records are handled in order."""

    @app.agent(raw_topic(app, EMBARGO_COMMANDS), concurrency=1, name="embargo-commands")
    async def handle_embargo_commands(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for event in stream.events():  # type: ignore[attr-defined]
            await (await handler()).handle_safely(*record_of(event))

    @app.agent(raw_topic(app, APPROVAL_EVENTS), concurrency=1, name="embargo-on-approval")
    async def react_to_approval_events(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for event in stream.events():  # type: ignore[attr-defined]
            policy = Policy(SYSTEM_ACTOR.id, await handler(), on_approval)
            await policy.on_record(*record_of(event))

    @app.agent(raw_topic(app, PUBLICATION_EVENTS), concurrency=1, name="embargo-on-publication")
    async def react_to_publication_events(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for event in stream.events():  # type: ignore[attr-defined]
            policy = Policy(SYSTEM_ACTOR.id, await handler(), on_publication)
            await policy.on_record(*record_of(event))
