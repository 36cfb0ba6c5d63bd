"""Read-model rows → response bodies: internal columns dropped, the drafting version surfaced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.encoders import jsonable_encoder

_INTERNAL = {"search", "last_event_id"}
# The status board stays small: full content only on the detail route.
_BOARD_OMITS = _INTERNAL | {"body", "content"}


def drafting_version(release: Mapping[str, Any]) -> int:
    """The release's ETag value: its drafting stream version in the projection."""
    versions = release.get("versions") or {}
    return int(versions.get("drafting", 0))


def release_detail(release: Mapping[str, Any]) -> dict[str, Any]:
    """Everything a client may see of one release, JSON-ready."""
    view = {k: v for k, v in release.items() if k not in _INTERNAL}
    view["version"] = drafting_version(release)
    return dict(jsonable_encoder(view))


def board_item(release: Mapping[str, Any]) -> dict[str, Any]:
    """One status-board line."""
    view = {k: v for k, v in release.items() if k not in _BOARD_OMITS}
    view["version"] = drafting_version(release)
    return dict(jsonable_encoder(view))


def json_ready(row: Mapping[str, Any]) -> dict[str, Any]:
    """A history or outcome row with datetimes as RFC 3339 strings."""
    return dict(jsonable_encoder(dict(row)))
