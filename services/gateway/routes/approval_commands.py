"""The write side of approval: each route sends one command to pressroom.approval.commands."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

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
from services.gateway.auth import CurrentPrincipal
from services.gateway.deps import GatewayDep, IdempotencyKey
from services.gateway.dispatch import send_keyed
from services.gateway.outcomes import CommandAccepted
from services.gateway.problems import ProblemError
from services.gateway.read_access import (
    ReadAfterHeader,
    readable_release,
)
from services.gateway.routes.release_commands import COMMAND_RESPONSES, ReleaseId

router = APIRouter(prefix="/v1/releases", tags=["approval"])


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApproveStageBody(Body):
    """Approve one stage. Send the `revision` and `content_hash` you reviewed: without them the
    gateway fills in the pending request's, which may be newer than what you read."""

    stage: StageName
    comment: Comment = ""
    revision: Revision | None = None
    content_hash: ContentHash | None = None


class RejectBody(Body):
    """Reject at a stage (back to draft); `revision` guards against rejecting a newer one."""

    stage: StageName
    reason: Reason
    revision: Revision | None = None


class ForceApproveBody(Body):
    """Approve without the stages (managing editors): flagged until confirmed by another."""

    reason: Reason
    revision: Revision | None = None


class RetrospectiveApprovalBody(Body):
    """Confirm a force approval (another managing editor)."""

    comment: Comment = ""


@router.post("/{release_id}/approve", response_model=CommandAccepted, responses=COMMAND_RESPONSES)
async def approve_stage(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    body: ApproveStageBody,
    read_after_header: ReadAfterHeader = None,
) -> Response:
    """Approve a stage of the pending request (ApproveStage); 409 if the content changed."""
    release = await readable_release(gateway, principal, release_id, read_after_header)
    revision, content_hash = _reviewed(release, body.revision, body.content_hash)
    command = ApproveStage(
        release_id=release_id,
        actor=principal.actor(),
        stage=body.stage,
        revision=revision,
        content_hash=content_hash,
        comment=body.comment,
    )
    return await send_keyed(request, gateway, principal, command, idempotency_key)


@router.post("/{release_id}/reject", response_model=CommandAccepted, responses=COMMAND_RESPONSES)
async def reject_release(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    body: RejectBody,
    read_after_header: ReadAfterHeader = None,
) -> Response:
    """Reject the pending request at a stage (RejectRelease): the draft goes back to drafting."""
    await readable_release(gateway, principal, release_id, read_after_header)
    command = RejectRelease(
        release_id=release_id,
        actor=principal.actor(),
        stage=body.stage,
        reason=body.reason,
        revision=body.revision,
    )
    return await send_keyed(request, gateway, principal, command, idempotency_key)


@router.post(
    "/{release_id}/force-approve", response_model=CommandAccepted, responses=COMMAND_RESPONSES
)
async def force_approve(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    body: ForceApproveBody,
    read_after_header: ReadAfterHeader = None,
) -> Response:
    """Approve without the remaining stages (ForceApprove); a reason is required."""
    await readable_release(gateway, principal, release_id, read_after_header)
    command = ForceApprove(
        release_id=release_id, actor=principal.actor(), reason=body.reason, revision=body.revision
    )
    return await send_keyed(request, gateway, principal, command, idempotency_key)


@router.post(
    "/{release_id}/retrospective-approval",
    response_model=CommandAccepted,
    responses=COMMAND_RESPONSES,
)
async def retrospectively_approve(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    read_after_header: ReadAfterHeader = None,
    body: RetrospectiveApprovalBody | None = None,
) -> Response:
    """Confirm a force approval (RetrospectivelyApprove), which clears its flag."""
    await readable_release(gateway, principal, release_id, read_after_header)
    comment = body.comment if body is not None else ""
    command = RetrospectivelyApprove(
        release_id=release_id, actor=principal.actor(), comment=comment
    )
    return await send_keyed(request, gateway, principal, command, idempotency_key)


def _reviewed(
    release: dict[str, Any], revision: int | None, content_hash: str | None
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
