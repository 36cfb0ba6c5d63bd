"""Who may read a release: its organisations' members, its author and its collaborators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.gateway.auth import Principal


def can_read(principal: Principal, release: Mapping[str, Any]) -> bool:
    """Drafts never leak across organisations: anyone else is told the release does not exist."""
    organisations = release.get("organisations") or ()
    collaborators = release.get("collaborators") or ()
    return (
        (principal.organisation is not None and principal.organisation in organisations)
        or principal.id in collaborators
        or principal.id == release.get("created_by")
    )


def board_organisation(principal: Principal, requested: str | None) -> str | None:
    """The status board shows the caller's own organisation unless another one is asked for."""
    return requested or principal.organisation
