"""Approval's faust agents: thin shells from a Kafka record to the command handler."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

import faust

from events.topics import APPROVAL_COMMANDS, DRAFTING_EVENTS
from services.approval.reactions import SYSTEM_ACTOR
from services.kit.batches import handle_records
from services.kit.faust_app import raw_topic, record_batches
from services.kit.handler import CommandHandler
from services.kit.policy import Policy, Reaction


def register_agents(
    app: faust.App, handler: Callable[[], Awaitable[CommandHandler]], on_drafting: Reaction
) -> None:
    """One agent per topic, concurrency 1, so one release's records are handled in order; the
    records of a poll in one transaction (services/kit/batches.py)."""

    @app.agent(raw_topic(app, APPROVAL_COMMANDS), concurrency=1, name="approval-commands")
    async def handle_approval_commands(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for batch in record_batches(stream):
            await handle_records(await handler(), batch)

    @app.agent(raw_topic(app, DRAFTING_EVENTS), concurrency=1, name="approval-on-drafting")
    async def react_to_drafting_events(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for batch in record_batches(stream):
            await Policy(SYSTEM_ACTOR.id, await handler(), on_drafting).on_batch(batch)
