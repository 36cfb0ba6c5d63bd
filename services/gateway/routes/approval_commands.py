"""The write side of approval: each route sends one command to pressroom.approval.commands
(served by services.gateway.command_routes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from events.approval import (
    ApproveStage,
    Comment,
    ContentHash,
    ForceApprove,
    Reason,
    RejectRelease,
    RetrospectivelyApprove,
    Revision,
    StageName,
)
from events.base import Command
from services.gateway.command_routes import Asked, CommandRoute
from services.gateway.problems import ProblemError

TAG = "approval"


# The revision a caller read, at most PostgreSQL's bigint. The contract's Revision has no maximum
# (a published version is frozen), and a larger one could not even be encoded as a command:
# `make fuzz` got a 500 for 15227288835875909896507808803742285824. Refused here with a 422.
ReadRevision = Annotated[Revision, Field(le=2**63 - 1)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApproveStageBody(Body):
    """Approve one stage. Send the `revision` and `content_hash` you reviewed: without them the
    gateway fills in the pending request's, which may be newer than what you read."""

    stage: StageName
    comment: Comment = ""
    revision: ReadRevision | None = None
    content_hash: ContentHash | None = None


class RejectBody(Body):
    """Reject at a stage (back to draft); `revision` guards against rejecting a newer one."""

    stage: StageName
    reason: Reason
    revision: ReadRevision | None = None


class ForceApproveBody(Body):
    """Approve without the stages (managing editors): flagged until confirmed by another."""

    reason: Reason
    revision: ReadRevision | None = None


class RetrospectiveApprovalBody(Body):
    """Confirm a force approval (another managing editor)."""

    comment: Comment = ""


def _approve(asked: Asked[ApproveStageBody]) -> Command:
    body = asked.body
    revision, content_hash = _reviewed(asked.release, body.revision, body.content_hash)
    return ApproveStage(
        release_id=asked.release_id, actor=asked.actor, stage=body.stage, revision=revision,
        content_hash=content_hash, comment=body.comment,
    )  # fmt: skip


def _reject(asked: Asked[RejectBody]) -> Command:
    body = asked.body
    return RejectRelease(
        release_id=asked.release_id, actor=asked.actor, stage=body.stage, reason=body.reason,
        revision=body.revision,
    )  # fmt: skip


def _force_approve(asked: Asked[ForceApproveBody]) -> Command:
    return ForceApprove(
        release_id=asked.release_id, actor=asked.actor, reason=asked.body.reason,
        revision=asked.body.revision,
    )  # fmt: skip


def _retrospectively_approve(asked: Asked[RetrospectiveApprovalBody]) -> Command:
    return RetrospectivelyApprove(
        release_id=asked.release_id, actor=asked.actor, comment=asked.body.comment
    )


ROUTES: tuple[CommandRoute[Any], ...] = (
    CommandRoute(
        "POST", "/{release_id}/approve", "approve_stage",
        "Approve a stage of the pending request (ApproveStage); 409 if the content changed.",
        TAG, ApproveStageBody, _approve,
    ),
    CommandRoute(
        "POST", "/{release_id}/reject", "reject_release",
        "Reject the pending request at a stage (RejectRelease): the draft goes back to drafting.",
        TAG, RejectBody, _reject,
    ),
    CommandRoute(
        "POST", "/{release_id}/force-approve", "force_approve",
        "Approve without the remaining stages (ForceApprove); a reason is required.",
        TAG, ForceApproveBody, _force_approve,
    ),
    CommandRoute(
        "POST", "/{release_id}/retrospective-approval", "retrospectively_approve",
        "Confirm a force approval (RetrospectivelyApprove), which clears its flag.",
        TAG, RetrospectiveApprovalBody, _retrospectively_approve, body_required=False,
    ),
)  # fmt: skip


def _reviewed(
    release: Mapping[str, Any], revision: int | None, content_hash: str | None
) -> tuple[int, str]:
    """What the approver saw; missing parts come from the pending request the read model holds."""
    if revision is not None and content_hash is not None:
        return revision, content_hash
    pending = release.get("approval_status") == "pending"
    if not pending or release.get("approval_revision") is None or not release.get("approval_hash"):
        raise ProblemError(
            409,
            f"No approval is pending for release {release['release_id']!r} in the read model;"
            " send revision and content_hash, or Pressroom-Read-After to wait for it.",
            slug="approval-not-pending",
            title="No approval is pending for this release",
        )
    filled_revision = revision if revision is not None else int(release["approval_revision"])
    return filled_revision, content_hash or str(release["approval_hash"])
