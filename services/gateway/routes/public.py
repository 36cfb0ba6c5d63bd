"""The public read side, no authentication: the feed (JSON and Atom) and one release by slug.
Everything here comes from `public_feed`, which only publication's own editions, withdrawals
and unpublishings write: nothing unapproved or under embargo can be served."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from services.gateway.atom import atom_feed
from services.gateway.deps import GatewayDep
from services.gateway.problems import ProblemError, problem_responses
from services.gateway.views import json_ready

router = APIRouter(tags=["public"])
ATOM_MEDIA_TYPE = "application/atom+xml"
Page = Annotated[int, Query(ge=1, le=10_000, description="1 for the newest releases.")]
Limit = Annotated[int, Query(ge=1, le=100, description="Releases per page.")]
_PAGE_FIELDS = (
    "release_id", "slug", "edition", "title", "summary", "body", "organisations",
    "first_published_at", "public_updated_at", "change_history", "state",
)  # fmt: skip


@router.get("/v1/feed", responses=problem_responses(422, 500, 503))
async def feed(gateway: GatewayDep, request: Request, page: Page = 1, limit: Limit = 20) -> Any:
    """Published and withdrawn releases, the most recently updated first, a page at a time."""
    rows = await gateway.reads.public_feed(limit + 1, (page - 1) * limit)
    more = len(rows) > limit
    next_url = str(request.url.include_query_params(page=page + 1, limit=limit)) if more else None
    items = [public_view(row) for row in rows[:limit]]
    return JSONResponse({"items": items, "page": page, "limit": limit, "next": next_url})


@router.get(
    "/v1/feed.atom",
    response_class=Response,
    responses={200: {"content": {ATOM_MEDIA_TYPE: {}}}, **problem_responses(422, 500, 503)},
)
async def feed_atom(gateway: GatewayDep, request: Request, limit: Limit = 50) -> Response:
    """The newest releases as an Atom 1.0 feed, for feed readers and newswires."""
    rows = await gateway.reads.public_feed(limit, 0)
    base_url = str(request.base_url).rstrip("/")
    document = atom_feed(rows, str(request.url), base_url, datetime.now(UTC))
    return Response(document, media_type=ATOM_MEDIA_TYPE)


@router.get(
    "/v1/public/{slug}",
    responses={301: {"description": "Moved: see Location"}, **problem_responses(404, 410, 500)},
)
async def public_release(
    gateway: GatewayDep,
    slug: Annotated[str, Path(max_length=200, description="The release's public slug.")],
) -> Response:
    """200 published; 200 with a withdrawal notice; 410 gone; 301 to its new home; else 404."""
    row = await gateway.reads.public_release(slug)
    state = row["state"] if row else "vanish"
    if row is None or state == "vanish":  # as if never public: no hint it ever existed
        raise ProblemError(404, f"No public release at {slug!r}.", slug="public-not-found")
    if state == "gone":
        raise ProblemError(410, f"{row['title']!r} is no longer public.", slug="public-gone")
    if state == "redirect":
        return RedirectResponse(row["redirect_url"], status_code=301)
    return JSONResponse(public_view(row))


def public_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """What the public reads: the release, and the notice of a withdrawal when there is one."""
    view = {name: row[name] for name in _PAGE_FIELDS}
    if row["state"] == "withdrawn":
        view["withdrawal"] = {
            "explanation": row["withdrawal_explanation"],
            "withdrawn_at": row["state_changed_at"],
        }
    return json_ready(view)
