"""The read side: status board, one release, its history, a command's outcome (read-your-writes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import JSONResponse

from events.content import Identifier
from services.gateway.access import board_organisation, can_read
from services.gateway.auth import CurrentPrincipal, Principal
from services.gateway.deps import Gateway, GatewayDep
from services.gateway.preconditions import ReadAfter, etag, none_match, read_after
from services.gateway.problems import ProblemError, problem_responses
from services.gateway.reads import ReleaseFilter
from services.gateway.views import board_item, drafting_version, json_ready, release_detail

router = APIRouter(tags=["releases"])
READ_AFTER_WAIT_S = 5.0
STALE_HEADER = "Pressroom-Stale"
ReadAfterHeader = Annotated[
    str | None,
    Header(
        alias="Pressroom-Read-After",
        description="'<release_id>:<version>': wait (≤ 5 s) until the read model reached it.",
    ),
]
READ_RESPONSES = problem_responses(400, 401, 404, 422, 500, 503)


async def _catch_up(gateway: Gateway, wanted: ReadAfter | None) -> dict[str, str]:
    """Waits for read-your-writes; the headers to add (Pressroom-Stale when it gave up)."""
    if wanted is None:
        return {}
    caught_up = await gateway.reads.caught_up(wanted.release_id, wanted.version, READ_AFTER_WAIT_S)
    return {} if caught_up else {STALE_HEADER: "true"}


async def _visible_release(
    gateway: Gateway, principal: Principal, release_id: str
) -> dict[str, Any]:
    release = await gateway.reads.release(release_id)
    if release is None or not can_read(principal, release):
        # The same answer for "missing" and "not yours": ids must not be probeable.
        raise ProblemError(404, f"No release {release_id!r}.", slug="release-not-found")
    return release


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
    headers = await _catch_up(gateway, read_after(read_after_header))
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
    min_version: Annotated[int | None, Query(ge=0, description="Read-your-writes.")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One release as the read model has it; ETag = its drafting stream version."""
    headers = await _catch_up(gateway, read_after(read_after_header, release_id, min_version))
    release = await _visible_release(gateway, principal, release_id)
    version = drafting_version(release)
    headers["ETag"] = etag(version)
    if none_match(if_none_match, version):
        return Response(status_code=304, headers=headers)
    return JSONResponse(release_detail(release), headers=headers)


@router.get("/v1/releases/{release_id}/history", responses=READ_RESPONSES)
async def release_history(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    release_id: Annotated[Identifier, Path()],
    read_after_header: ReadAfterHeader = None,
) -> JSONResponse:
    """The audit timeline: every event of the release, who, when and why."""
    headers = await _catch_up(gateway, read_after(read_after_header))
    await _visible_release(gateway, principal, release_id)
    events = [json_ready(row) for row in await gateway.reads.history(release_id)]
    return JSONResponse({"release_id": release_id, "events": events}, headers=headers)


@router.get("/v1/commands/{command_id}", tags=["commands"], responses=READ_RESPONSES)
async def command_outcome(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    command_id: Annotated[Identifier, Path()],
    read_after_header: ReadAfterHeader = None,
) -> JSONResponse:
    """The outcome of a command (after a 202), once the projector has recorded it."""
    headers = await _catch_up(gateway, read_after(read_after_header))
    outcome = await gateway.reads.command_outcome(command_id)
    release = await gateway.reads.release(outcome["release_id"]) if outcome else None
    if outcome is None or (release is not None and not can_read(principal, release)):
        raise ProblemError(
            404, f"No outcome for command {command_id!r} (yet).", slug="command-not-found"
        )
    return JSONResponse(json_ready(outcome), headers=headers)
