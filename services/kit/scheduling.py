"""Wiring a service's deadlines: the handler that writes them, the task that fires them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

from events.base import Event, Message
from events.envelope import Envelope
from services.kit.deadlines import Changes, Deadline, deadline_writer
from services.kit.handler import CommandHandler
from services.kit.runtime import ServiceRuntime
from services.kit.scheduler import DeadlineScheduler

HandlerFactory = Callable[[], Awaitable[CommandHandler]]


def handler_with_deadlines(
    runtime: ServiceRuntime, rule: Callable[[list[Envelope[Event]]], Changes]
) -> HandlerFactory:
    """The kit's handler, writing the deadlines a command's events imply in its transaction."""
    write_deadlines = deadline_writer(runtime.schema, rule)

    async def handler() -> CommandHandler:
        return replace(await runtime.handler(), after_append=write_deadlines)

    return handler


def scheduler_task(
    handler: HandlerFactory, to_command: Callable[[Deadline], Message], actor: str
) -> Callable[[], Awaitable[None]]:
    """Every instance runs one: SKIP LOCKED hands each due deadline to exactly one of them."""

    async def run_scheduler() -> None:
        scheduler = DeadlineScheduler(await handler(), to_command, actor=actor)
        await scheduler.run(asyncio.Event())

    return run_scheduler
