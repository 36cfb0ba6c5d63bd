"""create_app(settings): the FastAPI app, its dependencies and its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI

from operator_tools.metrics import OpsMetrics
from services.gateway.auth import TokenStore, load_tokens
from services.gateway.command_bus import CommandBus, KafkaCommandBus
from services.gateway.deps import Gateway
from services.gateway.metrics import GatewayMetrics
from services.gateway.middleware import RequestContextMiddleware
from services.gateway.problems import install_problem_handlers, retarget_problem_media_type
from services.gateway.reads import PostgresReadModel, ReadModel
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
from services.kit.settings import Settings, load_settings

log = structlog.get_logger()
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
    settings = settings or load_settings()
    metrics = GatewayMetrics()
    gateway = Gateway(
        settings=settings,
        bus=bus or KafkaCommandBus.from_settings(settings),
        reads=reads or PostgresReadModel(settings.pg_dsn),
        tokens=tokens or load_tokens(settings.tokens_file),
        metrics=metrics,
        # Lag gauges read the real Kafka and PostgreSQL: not when tests hand in fakes.
        ops_metrics=OpsMetrics(metrics.registry, settings)
        if bus is None and reads is None
        else None,
    )
    app = FastAPI(title="Pressroom", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.gateway = gateway
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, metrics=gateway.metrics)
    commands = (release_commands, approval_commands, embargo_commands, publication_commands)
    views = (release_reads, approval_reads, embargo_reads, public, subscribers, ops)
    for module in (*commands, *views):
        app.include_router(module.router)
    _problem_aware_openapi(app)
    return app


def _problem_aware_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = retarget_problem_media_type(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
