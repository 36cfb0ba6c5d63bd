"""create_app(settings): the FastAPI app, its dependencies and its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI

from services.gateway.auth import TokenStore, tokens_for
from services.gateway.command_bus import CommandBus, KafkaCommandBus
from services.gateway.command_routes import command_router
from services.gateway.deps import Gateway
from services.gateway.head_requests import HeadAsGet
from services.gateway.metrics import GatewayMetrics
from services.gateway.middleware import RequestContextMiddleware
from services.gateway.oidc import OidcVerifier
from services.gateway.openapi_links import with_links
from services.gateway.ops_metrics import OpsMetrics
from services.gateway.problems import install_problem_handlers, retarget_problem_media_type
from services.gateway.rate_limits import GatewayLimits
from services.gateway.routes import (
    approval_commands,
    approval_reads,
    embargo_commands,
    embargo_reads,
    ops,
    public,
    publication_commands,
    release_commands,
    release_reads,
    subscribers,
)
from services.gateway.security_headers import SecurityHeadersMiddleware
from services.kit.settings import Settings, load_settings
from services.read_models.model import ReadModel
from services.read_models.postgres import PostgresReadModel

log = structlog.get_logger()
# Every command route but those of /v1/releases itself, served by one endpoint each.
COMMAND_ROUTES = (
    *approval_commands.ROUTES,
    *embargo_commands.ROUTES,
    *publication_commands.ROUTES,
)
DESCRIPTION = (
    "Pressroom's HTTP interface. Errors are RFC 9457 `application/problem+json`. "
    "See docs/http-api.md and docs/auth.md."
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Connects before the first request is served (the replies listener included)."""
    gateway: Gateway = app.state.gateway
    await gateway.reads.start()
    await gateway.bus.start()
    log.info("gateway_started", tokens=len(gateway.tokens), kafka=gateway.settings.kafka_bootstrap)
    try:
        yield
    finally:
        await gateway.bus.stop()
        await gateway.reads.stop()
        log.info("gateway_stopped")


def create_app(
    settings: Settings | None = None,
    *,
    bus: CommandBus | None = None,
    reads: ReadModel | None = None,
    tokens: TokenStore | None = None,
) -> FastAPI:
    """The gateway app; a bad tokens file raises TokenFileError here, before anything serves."""
    gateway = _gateway(settings or load_settings(), bus, reads, tokens)
    app = FastAPI(title="Pressroom", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.gateway = gateway
    install_problem_handlers(app)
    # Added first, so innermost: the access log and the metrics see HEAD, the routes a GET.
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestContextMiddleware, gateway=gateway)
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(release_commands.router)
    app.include_router(command_router(COMMAND_ROUTES))
    for module in (release_reads, approval_reads, embargo_reads, public, subscribers, ops):
        app.include_router(module.router)
    _problem_aware_openapi(app)
    return app


def _gateway(
    settings: Settings, bus: CommandBus | None, reads: ReadModel | None, tokens: TokenStore | None
) -> Gateway:
    metrics = GatewayMetrics()
    postgres = PostgresReadModel(  # connects only when started
        settings.dsn_for("gateway_reads"),
        listen_dsn=settings.dsn_for("projector"),
        max_size=settings.gateway_pg_pool_max_size,
    )
    # Lag gauges read the real Kafka and PostgreSQL, on the read model's own pool: not when tests
    # hand in fakes.
    real = bus is None and reads is None
    gauges = OpsMetrics(metrics.registry, settings.kafka_bootstrap, postgres) if real else None
    return Gateway(
        settings=settings,
        bus=bus or KafkaCommandBus.from_settings(settings),
        reads=reads or postgres,
        tokens=tokens or tokens_for(settings),
        metrics=metrics,
        limits=GatewayLimits.from_settings(settings),
        oidc=OidcVerifier.from_settings(settings),
        ops_metrics=gauges,
    )


def _problem_aware_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_links(retarget_problem_media_type(generate()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
