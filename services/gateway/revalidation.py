"""Conditional GET for the public side: feed readers, newswires and caches poll the feeds and
pages; each answer carries an ETag (a digest of its bytes), and a poll that holds it already gets
`304 Not Modified` without the body. `Cache-Control: no-cache` lets a cache keep a copy but makes
it ask every time: an unpublished release (a takedown) is never served from a cache after it."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

REVALIDATE = "no-cache"


def revalidated(request: Request, response: Response) -> Response:
    """`response` with its ETag, or a 304 when the request's If-None-Match names it; answers
    other than 200 (a redirect) as they are."""
    if response.status_code != 200:
        return response
    tag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": REVALIDATE}
    if names(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


def names(if_none_match: str | None, tag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110 13.1.2): `W/` is ignored, `*` names anything."""
    if if_none_match is None:
        return False
    held = [part.strip() for part in if_none_match.split(",")]
    return any(h == "*" or h.removeprefix("W/") == tag for h in held)
