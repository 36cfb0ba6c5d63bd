"""Send one command for an HTTP request and turn what comes back into the HTTP answer."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import structlog
from fastapi import Request, Response

from events.base import Command
from events.envelope import Envelope, source_of
from events.replies import CommandOutcome
from events.subscribers import SubscriberCommand
from services.gateway.auth import Principal
from services.gateway.command_bus import CommandNotSent
from services.gateway.deps import Gateway
from services.gateway.middleware import CORRELATION_HEADER
from services.gateway.outcomes import outcome_response, pending_response
from services.gateway.preconditions import command_ids
from services.gateway.problems import ProblemError
from services.kit.tracing import from_request

log = structlog.get_logger()


# A release's command, or a subscriber's: both name the stream they are decided on.
AnyCommand = Command | SubscriberCommand
_COMMAND_ENVELOPE = Envelope[AnyCommand]  # made once (events/envelope.py, ENVELOPE_OF_ANY)


def command_envelope(
    command: AnyCommand, command_id: str, principal: Principal, correlation: str | None
) -> Envelope[AnyCommand]:
    """The CloudEvent a command travels in: the command id is its id, its stream its subject."""
    return _COMMAND_ENVELOPE(
        id=command_id,
        source=source_of("gateway"),
        time=datetime.now(UTC),
        subject=command.stream_id(),
        data=command,
        correlation_id=correlation or command_id,
        actor=principal.id,
    )


async def send_command(
    request: Request,
    gateway: Gateway,
    principal: Principal,
    command: Command,
    command_id: str,
    *,
    created: bool = False,
) -> Response:
    """Sends `command` and answers with its outcome, or 202 + Location when none came in time."""
    outcome = await dispatch_command(request, gateway, principal, command, command_id)
    if outcome is None:
        return pending_response(command_id, command.release_id)
    return outcome_response(outcome, created=created)


async def dispatch_command(
    request: Request, gateway: Gateway, principal: Principal, command: AnyCommand, command_id: str
) -> CommandOutcome | None:
    """Sends `command` and waits for its outcome (None: none in time); 503 if it cannot be sent.
    Every command the gateway sends goes through here: one place for correlation and metrics."""
    # The client's id (as the middleware vetted it) when it sent one, else the command id.
    correlation = request.state.correlation_id if CORRELATION_HEADER in request.headers else None
    envelope = command_envelope(command, command_id, principal, correlation)
    envelope = from_request(envelope, request.headers)  # its trace: services/kit/tracing.py
    structlog.contextvars.bind_contextvars(command_id=command_id)
    started = time.perf_counter()
    try:
        outcome = await gateway.bus.dispatch(envelope, gateway.settings.reply_timeout_s)
    except CommandNotSent as error:
        gateway.metrics.command(command.type_name(), "not_sent", time.perf_counter() - started)
        log.warning("command_not_sent", reason=str(error))
        raise ProblemError(
            503, str(error), slug="command-not-sent", headers={"Retry-After": "2"}
        ) from error
    if outcome is not None and outcome.release_id is not None and outcome.stream_version:
        gateway.recent_writes.note(outcome.release_id)
    status = outcome.status.value if outcome is not None else "timeout"
    gateway.metrics.command(command.type_name(), status, time.perf_counter() - started)
    return outcome


async def send_keyed(
    request: Request,
    gateway: Gateway,
    principal: Principal,
    command: Command,
    idempotency_key: str | None,
) -> Response:
    """send_command with the command id derived from the Idempotency-Key (or a fresh one)."""
    ids = command_ids(principal.id, request.method, request.url.path, idempotency_key)
    return await send_command(request, gateway, principal, command, ids.command_id)
