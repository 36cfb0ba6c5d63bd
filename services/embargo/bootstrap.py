"""Wires the embargo service: settings, logging, faust app, agents, relay, deadline scheduler."""

from __future__ import annotations

import faust

from services.embargo.agents import register_agents
from services.embargo.deadlines import deadline_changes, to_command
from services.embargo.decider import EMBARGO
from services.embargo.reactions import reaction_to_approval, reaction_to_publication
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.faust_app import create_app
from services.kit.logging import configure_logging
from services.kit.runtime import ServiceRuntime
from services.kit.scheduling import handler_with_deadlines, scheduler_task
from services.kit.settings import Settings, load_settings


def bootstrap(settings: Settings | None = None) -> tuple[faust.App, ServiceRuntime]:
    settings = settings or load_settings()
    configure_logging(settings, service="embargo")
    runtime = ServiceRuntime(settings, EMBARGO, migrations="services.embargo.migrations")
    handler = handler_with_deadlines(runtime, deadline_changes)
    app = create_app("embargo", settings)
    register_agents(
        app, handler, on_approval=reaction_to_approval, on_publication=reaction_to_publication
    )
    app.task(runtime.run_relay)
    # Every instance runs one: SKIP LOCKED hands each due lift to exactly one of them.
    app.task(scheduler_task(handler, to_command, SYSTEM_ACTOR.id))
    return app, runtime
