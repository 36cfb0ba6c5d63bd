"""Wires the embargo service: settings, logging, faust app, agents, relay, deadline scheduler."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

import faust

from services.embargo.agents import register_agents
from services.embargo.deadlines import deadline_changes, to_command
from services.embargo.decider import EMBARGO
from services.embargo.reactions import reaction_to_approval
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.faust_app import create_app
from services.kit.handler import CommandHandler
from services.kit.logging import configure_logging
from services.kit.runtime import ServiceRuntime
from services.kit.scheduler import DeadlineScheduler, deadline_writer
from services.kit.settings import Settings, load_settings

HandlerFactory = Callable[[], Awaitable[CommandHandler]]


def bootstrap(settings: Settings | None = None) -> tuple[faust.App, ServiceRuntime]:
    settings = settings or load_settings()
    configure_logging(settings, service="embargo")
    runtime = ServiceRuntime(settings, EMBARGO, migrations="services.embargo.migrations")
    handler = handler_with_deadlines(runtime)
    app = create_app("embargo", settings)
    register_agents(app, handler, on_approval=reaction_to_approval)
    app.task(runtime.run_relay)
    # Every instance runs one: SKIP LOCKED hands each due lift to exactly one of them.
    app.task(scheduler_task(handler))
    return app, runtime


def handler_with_deadlines(runtime: ServiceRuntime) -> HandlerFactory:
    """The kit's handler, arming and moving lifts and pre-releases in the command's transaction."""
    write_deadlines = deadline_writer(runtime.schema, deadline_changes)

    async def handler() -> CommandHandler:
        return replace(await runtime.handler(), after_append=write_deadlines)

    return handler


def scheduler_task(handler: HandlerFactory) -> Callable[[], Awaitable[None]]:
    async def run_scheduler() -> None:
        scheduler = DeadlineScheduler(await handler(), to_command, actor=SYSTEM_ACTOR.id)
        await scheduler.run(asyncio.Event())

    return run_scheduler
