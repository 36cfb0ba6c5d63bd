"""Wires the publication service: settings, logging, faust app, agents, policies, relay."""

from __future__ import annotations

import faust

from services.kit.faust_app import create_app
from services.kit.logging import configure_logging
from services.kit.runtime import ServiceRuntime
from services.kit.settings import Settings, load_settings
from services.publication.agents import register_agents
from services.publication.decider import PUBLICATION
from services.publication.reactions import (
    reaction_to_approval,
    reaction_to_drafting,
    reaction_to_embargo,
)


def bootstrap(settings: Settings | None = None) -> tuple[faust.App, ServiceRuntime]:
    settings = settings or load_settings()
    configure_logging(settings, service="publication")
    runtime = ServiceRuntime(settings, PUBLICATION, migrations="services.publication.migrations")
    app = create_app("publication", settings)
    register_agents(
        app, runtime.handler, on_approval=reaction_to_approval,
        on_embargo=reaction_to_embargo, on_drafting=reaction_to_drafting,
    )  # fmt: skip
    app.task(runtime.run_relay)
    return app, runtime
