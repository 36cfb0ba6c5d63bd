"""Turns tracing on in a process when an OTLP endpoint is configured, with OpenTelemetry's own
environment variables (docs/deployment.md, "Tracing"): the SDK, its exporter and the
instrumentation packages are imported only then, so a process without them pays nothing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import structlog

from services.kit import tracing

log = structlog.get_logger()
ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# The gateway's probes and scrapes are not worth a trace each.
UNTRACED_ROUTES = "healthz,readyz,metrics"


def wanted(environ: Mapping[str, str]) -> bool:
    """An OTLP endpoint is set, and neither the SDK nor the traces exporter is switched off."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINTS)


def configure_tracing(process: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Once per process, beside logging: a tracer provider exporting over OTLP/HTTP in batches,
    and asyncpg's statements traced. Returns whether tracing is on."""
    if tracing.STATE.tracer is not None or not wanted(environ):
        return tracing.enabled()
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    named = {} if environ.get("OTEL_SERVICE_NAME") else {"service.name": f"pressroom-{process}"}
    resource = Resource.create({"service.namespace": "pressroom", **named})
    # The sampler, the batch's delays and sizes, the exporter's endpoint, headers, certificates
    # and timeout come from the standard OTEL_* variables, read by the SDK itself.
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument()  # type: ignore[no-untyped-call]
    tracing.STATE.tracer = trace.get_tracer("pressroom")
    log.info("tracing_on", process=process, endpoint=_endpoint(environ))
    return True


def instrument_gateway(app: Any) -> None:
    """A server span for each HTTP request (continuing the caller's `traceparent`), when on."""
    if not tracing.enabled():
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_ROUTES)


def _endpoint(environ: Mapping[str, str]) -> str:
    # Where to, without credentials: a URL may carry a user and password.
    url = next(environ[name] for name in ENDPOINTS if environ.get(name, "").strip())
    return url.split("@")[-1] if "@" in url else url
