"""The read side: status board, one release, its history, a command's outcome (read-your-writes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import JSONResponse

from events.content import Identifier
from services.gateway.access import board_organisation, can_read
from services.gateway.auth import CurrentPrincipal, Principal
from services.gateway.deps import Gateway, GatewayDep
from services.gateway.preconditions import STREAM_SERVICES, etag, none_match, read_after
from services.gateway.problems import ProblemError, problem_responses
from services.gateway.read_access import (
    ReadAfterHeader,
    catch_up,
    catch_up_reading,
    visible_release,
)
from services.gateway.redaction import redacted_history_row
from services.gateway.views import (
    board_item,
    drafting_version,
    etag_names_representation,
    json_ready,
    release_detail,
)
from services.read_models.model import ReleaseFilter

router = APIRouter(tags=["releases"])
READ_RESPONSES = problem_responses(400, 401, 404, 422, 500, 503)
MinVersion = Annotated[
    str | None,
    Query(
        pattern=rf"^(({'|'.join(STREAM_SERVICES)}):)?[0-9]{{1,18}}$",
        description="Read-your-writes: '<version>' (drafting) or '<service>:<version>'.",
    ),
]


@router.get("/v1/releases", responses=READ_RESPONSES)
async def list_releases(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    read_after_header: ReadAfterHeader = None,
    status: Annotated[str | None, Query(max_length=40, description="draft, submitted, …")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Full-text search.")] = None,
    org: Annotated[Identifier | None, Query(description="Defaults to yours.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> JSONResponse:
    """The status board: releases you may read, newest change first, optionally searched."""
    headers = await catch_up(gateway, read_after(read_after_header), principal)
    where = ReleaseFilter(status, q, board_organisation(principal, org), limit, offset)
    rows = await gateway.reads.releases(where)
    items = [board_item(row) for row in rows if can_read(principal, row)]
    body = {"items": items, "limit": limit, "offset": offset}
    return JSONResponse(body, headers=headers)


@router.get(
    "/v1/releases/{release_id}", responses={304: {"description": "Not modified"}, **READ_RESPONSES}
)
async def get_release(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    release_id: Annotated[Identifier, Path()],
    read_after_header: ReadAfterHeader = None,
    min_version: MinVersion = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One release as the read model has it, its approval included; ETag = its drafting version."""
    wanted = read_after(read_after_header, release_id, min_version)
    headers, release = await catch_up_reading(gateway, wanted, principal)
    # The row catch_up read, when it is this release's (a header may name another one).
    if release is None or release["release_id"] != release_id:
        release = await visible_release(gateway, principal, release_id)
    version = drafting_version(release)
    headers["ETag"] = etag(version)
    if none_match(if_none_match, version) and etag_names_representation(release):
        return Response(status_code=304, headers=headers)
    detail = release_detail(release)
    # Deliveries follow a ReleasePublished of the same stream, so a release with no edition has
    # none: no query for them (a second round trip on most GETs, issue 15).
    published = release.get("public_edition") is not None
    deliveries = await gateway.reads.release_deliveries(release_id) if published else []
    detail["deliveries"] = [json_ready(delivery) for delivery in deliveries]
    return JSONResponse(detail, headers=headers)


@router.get("/v1/releases/{release_id}/history", responses=READ_RESPONSES)
async def release_history(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    release_id: Annotated[Identifier, Path()],
    read_after_header: ReadAfterHeader = None,
) -> JSONResponse:
    """The audit timeline: every event of the release, who, when and why (embargo recipients
    counted, never named)."""
    headers = await catch_up(gateway, read_after(read_after_header), principal)
    await visible_release(gateway, principal, release_id)
    rows = await gateway.reads.history(release_id)
    events = [json_ready(redacted_history_row(row)) for row in rows]
    return JSONResponse({"release_id": release_id, "events": events}, headers=headers)


@router.get("/v1/commands/{command_id}", tags=["commands"], responses=READ_RESPONSES)
async def command_outcome(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    command_id: Annotated[Identifier, Path()],
    read_after_header: ReadAfterHeader = None,
) -> JSONResponse:
    """The outcome of a command (after a 202), once the projector has recorded it."""
    headers = await catch_up(gateway, read_after(read_after_header), principal)
    outcome = await gateway.reads.command_outcome(command_id)
    if outcome is None or not await _may_see_outcome(gateway, principal, outcome):
        raise ProblemError(
            404, f"No outcome for command {command_id!r} (yet).", slug="command-not-found"
        )
    return JSONResponse(json_ready(outcome), headers=headers)


async def _may_see_outcome(gateway: Gateway, principal: Principal, outcome: dict[str, Any]) -> bool:
    """Outcomes of a release follow its access rule. Without a projected release, only refusals
    show: a refused command changed nothing, while an accepted one waits for its release row."""
    release_id = outcome.get("release_id")
    release = await gateway.reads.release(release_id) if release_id else None
    if release is not None:
        return can_read(principal, release)
    return outcome.get("status") != "accepted"
