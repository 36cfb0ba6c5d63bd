"""Who may read a release and its approval: its organisations' members, its author, its
collaborators, and the approvers of the stages of its pending approval request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.gateway.auth import Principal

PENDING = "pending"


def can_read(principal: Principal, release: Mapping[str, Any]) -> bool:
    """Drafts never leak across organisations: anyone else is told the release does not exist."""
    organisations = release.get("organisations") or ()
    collaborators = release.get("collaborators") or ()
    return (
        (principal.organisation is not None and principal.organisation in organisations)
        or principal.id in collaborators
        or principal.id == release.get("created_by")
        or is_pending_stage_approver(principal, release)
    )


def is_pending_stage_approver(principal: Principal, release: Mapping[str, Any]) -> bool:
    """Holds a role of a stage of the pending request, in the release's lead organisation."""
    if release.get("approval_status") != PENDING:
        return False
    stages = release.get("approval_stages") or ()
    roles = {role for stage in stages for role in stage.get("roles", ())}
    return _in_lead_organisation(principal, release) and any(map(principal.has_role, roles))


def can_see_inbox_item(principal: Principal, item: Mapping[str, Any]) -> bool:
    """An inbox row is shown to the stage's approvers in the release's lead organisation."""
    roles = item.get("roles") or ()
    return _in_lead_organisation(principal, item) and any(map(principal.has_role, roles))


def _in_lead_organisation(principal: Principal, release: Mapping[str, Any]) -> bool:
    lead = release.get("lead_organisation")
    return bool(lead) and principal.organisation == lead


def board_organisation(principal: Principal, requested: str | None) -> str | None:
    """The status board shows the caller's own organisation unless another one is asked for."""
    return requested or principal.organisation
