"""What every route needs, gathered once in create_app and reached through `request.app.state`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Request
from pydantic import WithJsonSchema

from services.gateway.auth import BearerVerifier, TokenStore
from services.gateway.command_bus import CommandBus
from services.gateway.metrics import GatewayMetrics
from services.gateway.ops_metrics import OpsMetrics
from services.gateway.preconditions import (
    IDEMPOTENCY_KEY_SCHEMA,
    RecentWrites,
    checked_idempotency_key,
    expected_version,
)
from services.gateway.rate_limits import GatewayLimits
from services.kit.settings import Settings
from services.read_models.model import ReadModel


@dataclass(frozen=True)
class Gateway:
    """The gateway's dependencies; tests pass fakes for the bus and the read model."""

    settings: Settings
    bus: CommandBus
    reads: ReadModel
    tokens: TokenStore
    metrics: GatewayMetrics
    limits: GatewayLimits
    oidc: BearerVerifier | None = None
    # Lag and dead-letter gauges read Kafka and PostgreSQL: only with the real bus and read model.
    ops_metrics: OpsMetrics | None = None
    # Releases written through this gateway lately: reads may wait for them (read_access.py).
    recent_writes: RecentWrites = field(default_factory=RecentWrites)


# The dependencies are `async def` though they never wait: FastAPI runs a plain `def` one in a
# worker thread, a hand-over that cost a tenth of the gateway's CPU per request.


async def current_gateway(request: Request) -> Gateway:
    """FastAPI dependency: the app's Gateway."""
    gateway: Gateway = request.app.state.gateway
    return gateway


async def if_match_required(
    if_match: Annotated[str | None, Header(description='The ETag you read, e.g. "3".')] = None,
) -> int:
    """FastAPI dependency: the version If-Match names; 428 without one, 400 for garbage."""
    version = expected_version(if_match, required=True)
    assert version is not None
    return version


async def if_match_optional(
    if_match: Annotated[str | None, Header(description='Optional ETag, e.g. "3".')] = None,
) -> int | None:
    """FastAPI dependency: the version If-Match names, or None (no header or `*`)."""
    return expected_version(if_match, required=False)


GatewayDep = Annotated[Gateway, Depends(current_gateway)]
IfMatchRequired = Annotated[int, Depends(if_match_required)]
IfMatchOptional = Annotated[int | None, Depends(if_match_optional)]


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Repeat a request with the same key to get the same outcome, never twice."
            " 1 to 255 visible ASCII characters (a UUID does); anything else is a 400.",
        ),
        # What the document promises; checked_idempotency_key answers the 400 for the rest.
        WithJsonSchema(IDEMPOTENCY_KEY_SCHEMA),
    ] = None,
) -> str | None:
    """FastAPI dependency: the Idempotency-Key, checked before the body is read."""
    return checked_idempotency_key(key)


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
