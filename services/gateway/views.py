"""Read-model rows → response bodies: internal columns dropped, versions and approval surfaced."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from fastapi.encoders import jsonable_encoder

_INTERNAL = {"search", "last_event_id", "drafting_status", "approval_decided_at"}
# The row's flat approval columns travel as one `approval` object instead.
_APPROVAL_COLUMNS = {
    "approval_status": "status",
    "approval_revision": "revision",
    "approval_hash": "content_hash",
    "force_approved_flag": "force_approved",
    "approval_requested_at": "requested_at",
    "approval_stages": "stages",
}
# The row's flat embargo columns travel as one `embargo` object too.
_EMBARGO_COLUMNS = {
    "embargo_status": "status",
    "embargo_lift_at": "lift_at",
    "embargo_pre_release_at": "pre_release_at",
    "embargo_recipient_count": "recipient_count",
    "embargo_lifted_at": "lifted_at",
    "embargo_lateness_ms": "lateness_ms",
}
_GROUPED = _APPROVAL_COLUMNS.keys() | _EMBARGO_COLUMNS.keys()
# The status board stays small: full content and the stages only on the detail route.
_BOARD_OMITS = _INTERNAL | {"body", "content"}


def drafting_version(release: Mapping[str, Any]) -> int:
    """The release's ETag value: its drafting stream version in the projection."""
    versions = release.get("versions") or {}
    return int(versions.get("drafting", 0))


def etag_names_representation(release: Mapping[str, Any]) -> bool:
    """True while only drafting changed the release: other services' events (an approval)
    change the body without changing its drafting ETag, so `304` would hide them."""
    return set(release.get("versions") or {}) <= {"drafting"}


def release_detail(release: Mapping[str, Any]) -> dict[str, Any]:
    """Everything a client may see of one release, JSON-ready."""
    view = {k: v for k, v in release.items() if k not in _INTERNAL | _GROUPED}
    view["version"] = drafting_version(release)
    view["approval"] = approval_view(release)
    view["embargo"] = embargo_view(release)
    return json_ready(view)


def board_item(release: Mapping[str, Any]) -> dict[str, Any]:
    """One status-board line."""
    view = {k: v for k, v in release.items() if k not in _BOARD_OMITS | _GROUPED}
    view["version"] = drafting_version(release)
    view["approval"] = {k: v for k, v in approval_view(release).items() if k != "stages"}
    view["embargo"] = embargo_view(release)
    return json_ready(view)


def approval_view(release: Mapping[str, Any]) -> dict[str, Any]:
    """The approval state of a release: status, the revision it binds, each stage's state."""
    view = {name: release.get(column) for column, name in _APPROVAL_COLUMNS.items()}
    view["status"] = view["status"] or "none"
    view["force_approved"] = bool(view["force_approved"])
    view["stages"] = list(view["stages"] or [])
    view["version"] = int((release.get("versions") or {}).get("approval", 0))
    return view


def embargo_view(release: Mapping[str, Any]) -> dict[str, Any]:
    """The embargo state of a release: status, times (UTC) and how many recipients, not who."""
    view = {name: release.get(column) for column, name in _EMBARGO_COLUMNS.items()}
    view["status"] = view["status"] or "none"
    view["recipient_count"] = int(view["recipient_count"] or 0)
    view["version"] = int((release.get("versions") or {}).get("embargo", 0))
    return view


def json_ready(row: Mapping[str, Any]) -> dict[str, Any]:
    """A read-model row with datetimes as RFC 3339 strings: what FastAPI's `jsonable_encoder`
    makes of it, at a fraction of its cost. A row holds text, numbers, booleans, datetimes and
    JSON (jsonb, arrays), and only datetimes need a change (`isoformat`, as FastAPI writes them);
    anything else goes through FastAPI's encoder as before. A published release's detail took
    125 µs in `jsonable_encoder`, 35 here: a tenth of the gateway's CPU for a GET (issue 15,
    docs/benchmarks.md)."""
    return {str(key): _json_value(value) for key, value in row.items()}


_AS_THEY_ARE = frozenset({str, int, float, bool, type(None)})


def _json_value(value: Any) -> Any:
    if type(value) in _AS_THEY_ARE or isinstance(value, str | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return jsonable_encoder(value)
