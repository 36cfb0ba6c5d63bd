"""The approval inbox: a pure `inbox_rows(release)`, one row per stage still awaiting approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.projector.release_row import ApprovalStatus, ReleaseRow, StageState


@dataclass(frozen=True)
class InboxRow:
    """One row of `projections.approval_inbox`, unique on (release_id, stage)."""

    release_id: str
    stage: str
    roles: tuple[str, ...]
    step: int
    opened: bool  # every earlier step is approved: its approvers may act now
    deadline_at: datetime | None
    overdue: bool
    revision: int
    content_hash: str
    title: str
    lead_organisation: str
    requested_at: datetime


def inbox_rows(release: ReleaseRow) -> list[InboxRow]:
    """The release's open stages; none once its request is decided, invalidated or absent."""
    waiting = [s for s in release.approval_stages if s["state"] != StageState.APPROVED]
    if not _pending(release) or not waiting:
        return []
    open_step = min(stage["step"] for stage in waiting)
    return [_row(release, stage, opened=stage["step"] == open_step) for stage in waiting]


def _pending(release: ReleaseRow) -> bool:
    return (
        release.drafted
        and release.approval_status == ApprovalStatus.PENDING
        and release.approval_revision is not None
        and release.approval_hash is not None
        and release.approval_requested_at is not None
    )


def _row(release: ReleaseRow, stage: dict[str, Any], *, opened: bool) -> InboxRow:
    assert release.approval_revision is not None and release.approval_hash is not None
    assert release.approval_requested_at is not None
    deadline = stage.get("deadline_at")
    return InboxRow(
        release_id=release.release_id,
        stage=stage["name"],
        roles=tuple(stage["roles"]),
        step=stage["step"],
        opened=opened,
        deadline_at=datetime.fromisoformat(deadline) if deadline else None,
        overdue=stage["state"] == StageState.OVERDUE,
        revision=release.approval_revision,
        content_hash=release.approval_hash,
        title=release.title,
        lead_organisation=release.lead_organisation,
        requested_at=release.approval_requested_at,
    )
