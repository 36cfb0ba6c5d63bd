"""Absolute URLs from the configured public base URL, never from the request's Host header (a
client chooses that header: it would put its own host into feeds and newswire items)."""

from __future__ import annotations

from fastapi import Request

from services.kit.settings import Settings


def absolute_url(settings: Settings, path: str, query: str = "") -> str:
    """`path` (and `query`) under settings.public_url."""
    base = settings.public_url.rstrip("/")
    return f"{base}{path}?{query}" if query else f"{base}{path}"


def this_url(settings: Settings, request: Request, **params: str | int) -> str:
    """The request's own address under the public base URL, with `params` set in its query."""
    url = request.url.include_query_params(**params) if params else request.url
    return absolute_url(settings, url.path, url.query)
