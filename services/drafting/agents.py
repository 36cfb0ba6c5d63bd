"""Drafting's faust agents: thin shells from a Kafka record to the command handler."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

import faust

from events.topics import DRAFTING_COMMANDS
from services.kit.faust_app import raw_topic, record_of
from services.kit.handler import CommandHandler


def register_agents(app: faust.App, handler: Callable[[], Awaitable[CommandHandler]]) -> None:
    """One agent per topic, concurrency 1, so one release's commands are handled in order."""

    @app.agent(raw_topic(app, DRAFTING_COMMANDS), concurrency=1, name="drafting-commands")
    async def handle_drafting_commands(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for event in stream.events():  # type: ignore[attr-defined]
            await (await handler()).handle_safely(*record_of(event))
