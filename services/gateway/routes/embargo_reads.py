"""The embargo calendar of the caller's organisation, and the embargoed copy a recipient holds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from events.content import Identifier
from events.times import PRESS_OFFICE_ZONE, embargo_notice, isoformat_in_zone, show
from services.gateway.auth import CurrentPrincipal
from services.gateway.deps import GatewayDep
from services.gateway.preconditions import read_after
from services.gateway.problems import ProblemError, problem_responses
from services.gateway.read_access import ReadAfterHeader, catch_up
from services.gateway.views import json_ready

router = APIRouter(tags=["embargo"])
RECIPIENT_ROLE = "recipient"
CalendarStatus = Literal["scheduled", "deferred", "lifted", "cancelled"]
ZoneQuery = Annotated[
    str, Query(description="IANA zone for the `local` times, e.g. Asia/Tokyo.", max_length=64)
]


@router.get("/v1/embargoes", responses=problem_responses(400, 401, 422, 500, 503))
async def embargo_calendar(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    read_after_header: ReadAfterHeader = None,
    status: Annotated[CalendarStatus | None, Query(description="Only this status.")] = None,
    tz: ZoneQuery = PRESS_OFFICE_ZONE,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> JSONResponse:
    """Your organisation's embargoes, the next to lift first: times in UTC, and as the clocks
    in `tz` (Europe/London unless asked) show them under `local`."""
    zone = _zone(tz)
    headers = await catch_up(gateway, read_after(read_after_header), principal)
    rows = []
    if principal.organisation is not None:
        rows = await gateway.reads.embargo_calendar(principal.organisation, status, limit, offset)
    items = [{**json_ready(row), "local": _local(row, zone)} for row in rows]
    body = {"items": items, "zone": zone, "limit": limit, "offset": offset}
    return JSONResponse(body, headers=headers)


@router.get("/v1/embargoed/{release_id}", responses=problem_responses(401, 404, 500, 503))
async def embargoed_copy(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    release_id: Annotated[Identifier, Path(description="The embargoed release's id.")],
    read_after_header: ReadAfterHeader = None,
) -> JSONResponse:
    """The copy issued to you (recipients only): exactly the approved revision it names, and
    when it lifts. 404 for anyone else, after a cancel, and after the lift (the public feed
    serves it then)."""
    headers = await catch_up(gateway, read_after(read_after_header), principal, copies=True)
    copy = None
    if principal.has_role(RECIPIENT_ROLE):
        copy = await gateway.reads.embargoed_copy(release_id, principal.id)
    if copy is None:
        # The same answer for "no copy" and "not yours": which releases are embargoed is secret.
        raise ProblemError(404, f"No embargoed copy {release_id!r} for you.", slug="copy-not-found")
    return JSONResponse(_copy_view(copy), headers=headers)


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ProblemError(
            422, f"tz {name!r} is not an IANA time zone, e.g. Europe/London.", slug="invalid-zone"
        ) from error
    return name


def _local(row: Mapping[str, Any], zone: str) -> dict[str, str | None]:
    lift_at: datetime = row["lift_at"]
    pre_release_at: datetime | None = row.get("pre_release_at")
    return {
        "lift_at": isoformat_in_zone(lift_at, zone),
        "pre_release_at": isoformat_in_zone(pre_release_at, zone) if pre_release_at else None,
        "lift_at_text": show(lift_at, zone),
    }


def _copy_view(copy: Mapping[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = copy["content"]
    until: datetime = copy["embargoed_until"]
    view = {
        **content,
        "release_id": copy["release_id"],
        "revision": copy["revision"],
        "content_hash": copy["content_hash"],
        "issued_at": copy["issued_at"],
        "embargoed_until": until,
        "embargoed_until_local": isoformat_in_zone(until),
        "notice": embargo_notice(until),
    }
    return json_ready(view)
