"""Operations endpoints, unauthenticated: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.gateway.deps import GatewayDep
from services.gateway.problems import ProblemError, problem_response, problem_responses

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and serving."""
    return {"status": "ok"}


@router.get("/readyz", responses=problem_responses(503))
async def readyz(gateway: GatewayDep) -> Response:
    """PostgreSQL answers, the Kafka producer started and the replies listener is assigned."""
    checks = {"postgres": await gateway.reads.ping(), **gateway.bus.readiness()}
    if all(checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    failing = ", ".join(name for name, ok in checks.items() if not ok)
    problem = ProblemError(
        503, f"Not ready: {failing}.", slug="not-ready", extensions={"checks": checks}
    )
    return problem_response(problem, "/readyz", {"Retry-After": "2"})


@router.get("/metrics", response_class=Response)
async def metrics(gateway: GatewayDep) -> Response:
    """Prometheus text exposition: requests, outcomes, consumer lag, oldest dead letter."""
    if gateway.ops_metrics is not None:
        await gateway.ops_metrics.refresh()
    return Response(generate_latest(gateway.metrics.registry), media_type=CONTENT_TYPE_LATEST)
