"""The public read side, no authentication: the feed (JSON and Atom) and one release by slug, as
JSON or as an IPTC ninjs news item (`<slug>.ninjs`). Everything here comes from `public_feed`,
which only publication's own editions, withdrawals and unpublishings write: nothing unapproved
or under embargo can be served."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from services.gateway.addresses import absolute_url, this_url
from services.gateway.atom import atom_feed
from services.gateway.deps import Gateway, GatewayDep
from services.gateway.ninjs import NINJS_MEDIA_TYPE, NINJS_SCHEMA_URI, ninjs_item
from services.gateway.problems import ProblemError, problem_responses
from services.gateway.revalidation import revalidated
from services.gateway.views import json_ready

router = APIRouter(tags=["public"])
ATOM_MEDIA_TYPE = "application/atom+xml"
# Every 200 here carries an ETag; If-None-Match naming it: 304 (services/gateway/revalidation.py).
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the ETag sent in If-None-Match is current"}
}
Page = Annotated[int, Query(ge=1, le=10_000, description="1 for the newest releases.")]
Limit = Annotated[int, Query(ge=1, le=100, description="Releases per page.")]
PublicSlug = Annotated[str, Path(max_length=200, description="The release's public slug.")]
_PAGE_FIELDS = (
    "release_id", "slug", "edition", "title", "summary", "body", "organisations",
    "first_published_at", "public_updated_at", "change_history", "state",
)  # fmt: skip


@router.get("/v1/feed", responses={**NOT_MODIFIED, **problem_responses(422, 500, 503)})
async def feed(gateway: GatewayDep, request: Request, page: Page = 1, limit: Limit = 20) -> Any:
    """Published and withdrawn releases, the most recently updated first, a page at a time."""
    rows = await gateway.reads.public_feed(limit + 1, (page - 1) * limit)
    more = len(rows) > limit
    next_page = this_url(gateway.settings, request, page=page + 1, limit=limit)
    next_url = next_page if more else None
    items = [public_view(row) for row in rows[:limit]]
    body = {"items": items, "page": page, "limit": limit, "next": next_url}
    return revalidated(request, JSONResponse(body))


@router.get(
    "/v1/feed.atom",
    response_class=Response,
    responses={
        200: {"content": {ATOM_MEDIA_TYPE: {}}},
        **NOT_MODIFIED,
        **problem_responses(422, 500, 503),
    },
)
async def feed_atom(gateway: GatewayDep, request: Request, limit: Limit = 50) -> Response:
    """The newest releases as an Atom 1.0 feed, for feed readers and newswires."""
    rows = await gateway.reads.public_feed(limit, 0)
    base_url = absolute_url(gateway.settings, "")
    document = atom_feed(rows, this_url(gateway.settings, request), base_url, datetime.now(UTC))
    return revalidated(request, Response(document, media_type=ATOM_MEDIA_TYPE))


# Declared before /v1/public/{slug}, whose `{slug}` would match "x.ninjs" too; a slug never
# holds a dot (^[a-z0-9]+(-[a-z0-9]+)*$), so the two never name the same release.
@router.get(
    "/v1/public/{slug}.ninjs",
    response_class=Response,
    responses={
        200: {"description": "An IPTC ninjs 2.2 news item", "content": {NINJS_MEDIA_TYPE: {}}},
        301: {"description": "Moved: see Location"},
        **NOT_MODIFIED,
        **problem_responses(404, 410, 500),
    },
)
async def public_release_ninjs(gateway: GatewayDep, request: Request, slug: PublicSlug) -> Response:
    """The release as IPTC ninjs 2.2, with the same answers as its page: a withdrawn release is
    200 with `pubstatus: canceled` and the notice; 410 gone; 301 to its new home; else 404."""

    def ninjs(row: Mapping[str, Any]) -> Response:
        page_url = absolute_url(gateway.settings, f"/v1/public/{row['slug']}")
        return JSONResponse(
            ninjs_item(row, page_url),
            media_type=NINJS_MEDIA_TYPE,
            headers={"Link": f'<{NINJS_SCHEMA_URI}>; rel="describedby"'},
        )

    return revalidated(request, await _serve(gateway, slug, ninjs, suffix=".ninjs"))


@router.get(
    "/v1/public/{slug}",
    responses={
        301: {"description": "Moved: see Location"},
        **NOT_MODIFIED,
        **problem_responses(404, 410, 500),
    },
)
async def public_release(gateway: GatewayDep, request: Request, slug: PublicSlug) -> Response:
    """200 published; 200 with a withdrawal notice; 410 gone; 301 to its new home; else 404."""
    return revalidated(
        request, await _serve(gateway, slug, lambda row: JSONResponse(public_view(row)))
    )


async def _serve(
    gateway: Gateway, slug: str, render: Callable[[Mapping[str, Any]], Response], suffix: str = ""
) -> Response:
    """What every representation of one public release answers for each state; `render` draws
    the readable ones (published, withdrawn)."""
    row = await gateway.reads.public_release(slug)
    state = row["state"] if row else "vanish"
    if row is None or state == "vanish":  # as if never public: no hint it ever existed
        raise ProblemError(404, f"No public release at {slug!r}.", slug="public-not-found")
    if state == "gone":
        raise ProblemError(410, f"{row['title']!r} is no longer public.", slug="public-gone")
    if state == "redirect":
        return RedirectResponse(row["redirect_url"], status_code=301)
    if row["slug"] != slug:  # its permanent address: the plain slug is its own
        return RedirectResponse(f"/v1/public/{row['slug']}{suffix}", status_code=301)
    return render(row)


def public_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """What the public reads: the release, and the notice of a withdrawal when there is one."""
    view = {name: row[name] for name in _PAGE_FIELDS}
    if row["state"] == "withdrawn":
        view["withdrawal"] = {
            "explanation": row["withdrawal_explanation"],
            "withdrawn_at": row["state_changed_at"],
        }
    return json_ready(view)
