"""Operations endpoints, unauthenticated: liveness, readiness; Prometheus metrics, unless
settings ask for an operator's token or a port of their own."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.gateway.auth import bearer_scheme, current_principal
from services.gateway.deps import Gateway, GatewayDep
from services.gateway.problems import ProblemError, problem_response, problem_responses

router = APIRouter(tags=["operations"])
OPERATOR = "operator"


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


@router.get("/metrics", response_class=Response, responses=problem_responses(401, 403, 404))
async def metrics(gateway: GatewayDep, request: Request) -> Response:
    """Prometheus text exposition: requests, outcomes, consumer lag, oldest dead letter."""
    if gateway.settings.metrics_port:
        raise ProblemError(404, "Metrics are served on their own port.", slug="not-found")
    if gateway.settings.metrics_require_token:
        principal = await current_principal(request, await bearer_scheme(request))
        if not principal.has_role(OPERATOR):
            raise ProblemError(403, "Metrics take an operator's token.", slug="forbidden")
    return await metrics_exposition(gateway)


async def metrics_exposition(gateway: Gateway) -> Response:
    """The metrics as Prometheus text; also what the metrics-only port serves."""
    if gateway.ops_metrics is not None:
        await gateway.ops_metrics.refresh()
    return Response(generate_latest(gateway.metrics.registry), media_type=CONTENT_TYPE_LATEST)
