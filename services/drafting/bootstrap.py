"""Wires the drafting service: settings, logging, faust app, agents (commands, policy), relay."""

from __future__ import annotations

import faust

from services.drafting.agents import register_agents
from services.drafting.decider import DRAFTING
from services.drafting.reactions import reaction_to_approval, reaction_to_publication
from services.kit.faust_app import create_app
from services.kit.logging import configure_logging
from services.kit.runtime import ServiceRuntime
from services.kit.settings import Settings, load_settings


def bootstrap(settings: Settings | None = None) -> tuple[faust.App, ServiceRuntime]:
    settings = settings or load_settings()
    configure_logging(settings, service="drafting")
    runtime = ServiceRuntime(settings, DRAFTING, migrations="services.drafting.migrations")
    app = create_app("drafting", settings)
    register_agents(
        app, runtime.handler, on_approval=reaction_to_approval,
        on_publication=reaction_to_publication,
    )  # fmt: skip
    app.task(runtime.run_relay)
    return app, runtime
