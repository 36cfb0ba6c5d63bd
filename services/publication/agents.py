"""Publication's faust agents: thin shells from a Kafka record to the command handler."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable
from typing import Any

import faust

from events.topics import APPROVAL_EVENTS, DRAFTING_EVENTS, EMBARGO_EVENTS, PUBLICATION_COMMANDS
from services.kit.agents import HandlerFactory, register_policy
from services.kit.batches import handle_records
from services.kit.faust_app import raw_topic, record_batches
from services.kit.policy import Reaction
from services.publication.revision_contents import Found, react_to_drafting
from services.publication.rules import SYSTEM_ACTOR
from services.publication.subscriber_routing import is_subscriber_command


def register_agents(
    app: faust.App,
    handler: HandlerFactory,
    subscriber_handler: HandlerFactory,
    on_approval: Reaction,
    on_embargo: Reaction,
    on_drafting: Callable[[Found], Reaction],
) -> None:
    """One agent per topic, concurrency 1, so one release's records are handled in order; the
    records of a poll in one transaction (services/kit/batches.py).
    Subscriber commands share the commands topic (keyed by subscriber id) and their own path."""

    @app.agent(raw_topic(app, PUBLICATION_COMMANDS), concurrency=1, name="publication-commands")
    async def handle_publication_commands(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        async for batch in record_batches(stream):
            # Two kinds of stream, never the same key: each kind's order is all that counts.
            releases = [r for r in batch if not is_subscriber_command(r[0])]
            await handle_records(await handler(), releases)
            subscribers = [r for r in batch if is_subscriber_command(r[0])]
            await handle_records(await subscriber_handler(), subscribers)

    actor = SYSTEM_ACTOR.id
    register_policy(app, APPROVAL_EVENTS, "publication-on-approval", handler, actor, on_approval)
    register_policy(app, EMBARGO_EVENTS, "publication-on-embargo", handler, actor, on_embargo)

    @app.agent(raw_topic(app, DRAFTING_EVENTS), concurrency=1, name="publication-on-drafting")
    async def react_to_drafting_events(stream: AsyncIterable[faust.EventT[Any]]) -> None:
        """Contents kept, and noted when submitted (services/publication/revision_contents.py)."""
        async for batch in record_batches(stream):
            await react_to_drafting(SYSTEM_ACTOR.id, await handler(), on_drafting, batch)
