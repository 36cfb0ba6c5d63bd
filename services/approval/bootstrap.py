"""Wires the approval service: settings, logging, policies, faust app, agents, relay, scheduler."""

from __future__ import annotations

import faust

from services.approval.agents import register_agents
from services.approval.deadlines import deadline_changes, to_command
from services.approval.decider import APPROVAL
from services.approval.policies import DEFAULT_POLICY_FILE, load_policies
from services.approval.reactions import SYSTEM_ACTOR, reaction_to_drafting
from services.kit.faust_app import create_app
from services.kit.logging import configure_logging
from services.kit.runtime import ServiceRuntime
from services.kit.scheduling import handler_with_deadlines, scheduler_task
from services.kit.settings import Settings, load_settings


def bootstrap(settings: Settings | None = None) -> tuple[faust.App, ServiceRuntime]:
    settings = settings or load_settings()
    configure_logging(settings, service="approval")
    # Read at start: a broken policy file stops the service here, not at the first submission.
    policies = load_policies(settings.approval_policies or DEFAULT_POLICY_FILE)
    runtime = ServiceRuntime(settings, APPROVAL, migrations="services.approval.migrations")
    handler = handler_with_deadlines(runtime, deadline_changes)
    app = create_app("approval", settings)
    register_agents(app, handler, on_drafting=reaction_to_drafting(policies))
    app.task(runtime.run_relay)
    app.task(scheduler_task(handler, to_command, SYSTEM_ACTOR.id))
    return app, runtime
