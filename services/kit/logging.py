"""structlog set-up: key=value lines for people, JSON lines when PRESSROOM_LOG_JSON=true."""

from __future__ import annotations

import logging
import sys

import structlog

from services.kit.settings import Settings
from services.kit.tracing_setup import configure_tracing


def configure_logging(settings: Settings, service: str) -> None:
    """Call once per process, in bootstrap."""
    level = logging.getLevelName(settings.log_level.upper())
    logging.basicConfig(stream=sys.stderr, level=level, format="%(message)s")
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(
            # Plain tracebacks: rich ones print local variables, bearer tokens among them.
            colors=False,
            exception_formatter=structlog.dev.plain_traceback,
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    structlog.contextvars.bind_contextvars(service=service)
    configure_tracing(service)  # telemetry beside the logs: off unless an endpoint is set
