"""Embargo's faust agents: its commands, and its policies on approval's and publication's
events (services/kit/agents.py). Its deadlines fire from the scheduler (bootstrap.py)."""

from __future__ import annotations

import faust

from events.topics import APPROVAL_EVENTS, EMBARGO_COMMANDS, PUBLICATION_EVENTS
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.agents import HandlerFactory, register_commands, register_policy
from services.kit.policy import Reaction


def register_agents(
    app: faust.App, handler: HandlerFactory, on_approval: Reaction, on_publication: Reaction
) -> None:
    register_commands(app, EMBARGO_COMMANDS, "embargo-commands", handler)
    register_policy(
        app, APPROVAL_EVENTS, "embargo-on-approval", handler, SYSTEM_ACTOR.id, on_approval
    )
    register_policy(
        app, PUBLICATION_EVENTS, "embargo-on-publication", handler, SYSTEM_ACTOR.id,
        on_publication,
    )  # fmt: skip
