"""The approval columns of a release row: a pure `apply_approval(row, event, at)`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, assert_never

from events.approval import (
    ApprovalEvents,
    ApprovalInvalidated,
    ApprovalOverdue,
    ApprovalRequested,
    ReleaseApproved,
    ReleaseForceApproved,
    ReleaseRejected,
    ReleaseRetrospectivelyApproved,
    StageApproved,
    StagePlan,
)
from services.projector.release_row import ApprovalStatus, ReleaseRow, StageState, changed


def apply_approval(row: ReleaseRow, event: ApprovalEvents, at: datetime) -> ReleaseRow:
    """The row after one approval event that happened at `at`."""
    match event:
        case ApprovalRequested():
            return _requested(row, event, at)
        case StageApproved():
            return _stage_approved(row, event, at)
        case ReleaseApproved():
            return _verdict(row, ApprovalStatus.APPROVED, event.revision, event.content_hash, at)
        case ReleaseRejected():
            return _verdict(row, ApprovalStatus.REJECTED, event.revision, event.content_hash, at)
        case ApprovalInvalidated():
            return changed(row, approval_status=ApprovalStatus.INVALIDATED)
        case ReleaseForceApproved():
            forced = ApprovalStatus.FORCE_APPROVED
            row = _verdict(row, forced, event.revision, event.content_hash, at)
            return changed(row, force_approved_flag=True)
        case ReleaseRetrospectivelyApproved():
            return changed(row, force_approved_flag=False)
        case ApprovalOverdue():
            return _overdue(row, event)
        case _:
            assert_never(event)


def _requested(row: ReleaseRow, event: ApprovalRequested, at: datetime) -> ReleaseRow:
    return changed(
        row,
        approval_status=ApprovalStatus.PENDING,
        approval_revision=event.revision,
        approval_hash=event.content_hash,
        approval_stages=[_open_stage(plan) for plan in event.stages],
        approval_requested_at=at,
        approval_decided_at=None,
    )


def _open_stage(plan: StagePlan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "roles": list(plan.roles),
        "step": plan.step,
        "deadline_at": plan.deadline_at.isoformat() if plan.deadline_at else None,
        "state": StageState.PENDING.value,
        "approver": None,
        "approved_at": None,
        "comment": "",
    }


def _stage_approved(row: ReleaseRow, event: StageApproved, at: datetime) -> ReleaseRow:
    if event.revision != row.approval_revision:
        return row  # a stage of an earlier request: that request is closed already
    approved = {
        "state": StageState.APPROVED.value,
        "approver": event.approver,
        "approved_at": at.isoformat(),
        "comment": event.comment,
    }
    return changed(row, approval_stages=_with_stage(row, event.stage, approved))


def _overdue(row: ReleaseRow, event: ApprovalOverdue) -> ReleaseRow:
    stage = next((s for s in row.approval_stages if s["name"] == event.stage), None)
    if event.revision != row.approval_revision or stage is None:
        return row
    if stage["state"] == StageState.APPROVED:
        return row  # approved just before its deadline fired: approval wins
    overdue = {"state": StageState.OVERDUE.value, "deadline_at": event.deadline_at.isoformat()}
    return changed(row, approval_stages=_with_stage(row, event.stage, overdue))


def _verdict(
    row: ReleaseRow, status: ApprovalStatus, revision: int, content_hash: str, at: datetime
) -> ReleaseRow:
    return changed(
        row,
        approval_status=status,
        approval_revision=revision,
        approval_hash=content_hash,
        approval_decided_at=at,
    )


def _with_stage(row: ReleaseRow, name: str, changes: dict[str, Any]) -> list[dict[str, Any]]:
    stages = row.approval_stages
    return [{**stage, **changes} if stage["name"] == name else stage for stage in stages]
