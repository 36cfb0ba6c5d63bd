"""The approval inbox: the open stages the caller may approve, in the caller's organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from events.approval import StageName
from services.gateway.access import can_see_inbox_item
from services.gateway.auth import CurrentPrincipal
from services.gateway.deps import GatewayDep
from services.gateway.preconditions import read_after
from services.gateway.problems import problem_responses
from services.gateway.read_access import ReadAfterHeader, catch_up
from services.gateway.views import json_ready
from services.read_models.model import InboxFilter

router = APIRouter(tags=["approval"])


@router.get("/v1/approvals", responses=problem_responses(400, 401, 422, 500, 503))
async def approval_inbox(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    read_after_header: ReadAfterHeader = None,
    stage: Annotated[StageName | None, Query(description="Only this stage, e.g. legal.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> JSONResponse:
    """Stages awaiting approval by a role you hold, on your organisation's releases: the ones
    you may approve now (`opened`) first, then by deadline and age of the request."""
    headers = await catch_up(gateway, read_after(read_after_header), principal)
    where = InboxFilter(principal.roles, principal.organisation, stage, limit, offset)
    rows = await gateway.reads.approval_inbox(where)
    items = [json_ready(row) for row in rows if can_see_inbox_item(principal, row)]
    return JSONResponse({"items": items, "limit": limit, "offset": offset}, headers=headers)
