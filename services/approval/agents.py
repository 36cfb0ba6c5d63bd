"""Approval's faust agents: its commands, and its policy on drafting's events
(services/kit/agents.py)."""

from __future__ import annotations

import faust

from events.topics import APPROVAL_COMMANDS, DRAFTING_EVENTS
from services.approval.reactions import SYSTEM_ACTOR
from services.kit.agents import HandlerFactory, register_commands, register_policy
from services.kit.policy import Reaction


def register_agents(app: faust.App, handler: HandlerFactory, on_drafting: Reaction) -> None:
    register_commands(app, APPROVAL_COMMANDS, "approval-commands", handler)
    register_policy(
        app, DRAFTING_EVENTS, "approval-on-drafting", handler, SYSTEM_ACTOR.id, on_drafting
    )
