"""The write side of publication: publish, withdraw and unpublish go to
pressroom.publication.commands; a correction (StartCorrection) goes to drafting."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from events.drafting import StartCorrection
from events.embargo import OptionalReason, Reason
from events.publication import (
    PublishRelease,
    RedirectUrl,
    UnpublishRelease,
    UnpublishType,
    UpdateType,
    WithdrawRelease,
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

router = APIRouter(prefix="/v1/releases", tags=["publication"])
# Embargo statuses (read model) under which the embargo service still holds the release.
EMBARGO_IN_FORCE = ("scheduled", "deferred")


class PublishBody(BaseModel):
    """Edition 1 needs nothing; a later edition needs its update type (decide checks)."""

    model_config = ConfigDict(extra="forbid")

    update_type: UpdateType | None = None
    change_note: OptionalReason = ""


class WithdrawBody(BaseModel):
    """Withdrawn releases stay readable under a notice carrying this explanation."""

    model_config = ConfigDict(extra="forbid")

    explanation: Reason


class UnpublishBody(BaseModel):
    """`type` here is the command's `unpublish_type` (the message's own `type` names it)."""

    model_config = ConfigDict(extra="forbid")

    type: UnpublishType = Field(description="gone (410), redirect (301) or vanish (404).")
    redirect_url: RedirectUrl | None = None


@router.post("/{release_id}/publish", response_model=CommandAccepted, responses=COMMAND_RESPONSES)
async def publish_release(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    read_after_header: ReadAfterHeader = None,
    body: PublishBody | None = None,
) -> Response:
    """Publishes the approved revision (PublishRelease): edition 1, or the next edition."""
    release = await readable_release(gateway, principal, release_id, read_after_header)
    refuse_under_embargo(release)
    body = body or PublishBody()
    command = PublishRelease(
        release_id=release_id,
        actor=principal.actor(),
        update_type=body.update_type,
        change_note=body.change_note,
    )
    return await send_keyed(request, gateway, principal, command, idempotency_key)


@router.post("/{release_id}/withdraw", response_model=CommandAccepted, responses=COMMAND_RESPONSES)
async def withdraw_release(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    body: WithdrawBody,
    read_after_header: ReadAfterHeader = None,
) -> Response:
    """Withdraws the published release (WithdrawRelease), with an explanation."""
    await readable_release(gateway, principal, release_id, read_after_header)
    command = WithdrawRelease(
        release_id=release_id, actor=principal.actor(), explanation=body.explanation
    )
    return await send_keyed(request, gateway, principal, command, idempotency_key)


@router.post("/{release_id}/unpublish", response_model=CommandAccepted, responses=COMMAND_RESPONSES)
async def unpublish_release(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    body: UnpublishBody,
    read_after_header: ReadAfterHeader = None,
) -> Response:
    """Unpublishes the release (UnpublishRelease): gone, redirect (https URL) or vanish."""
    await readable_release(gateway, principal, release_id, read_after_header)
    command = UnpublishRelease(
        release_id=release_id,
        actor=principal.actor(),
        unpublish_type=body.type,
        redirect_url=body.redirect_url,
    )
    return await send_keyed(request, gateway, principal, command, idempotency_key)


@router.post(
    "/{release_id}/corrections", response_model=CommandAccepted, responses=COMMAND_RESPONSES
)
async def start_correction(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    read_after_header: ReadAfterHeader = None,
) -> Response:
    """Makes the published release editable again (StartCorrection, sent to drafting)."""
    await readable_release(gateway, principal, release_id, read_after_header)
    command = StartCorrection(release_id=release_id, actor=principal.actor())
    return await send_keyed(request, gateway, principal, command, idempotency_key)


def refuse_under_embargo(release: Mapping[str, Any]) -> None:
    """A shortcut, not the guard: an embargo the read model shows refuses the publish before
    anything is sent. The guard is publication's, which publishes a first edition only on
    embargo's word (docs/publication.md, "Publishing by hand")."""
    if release.get("embargo_status") not in EMBARGO_IN_FORCE:
        return
    lift_at = release.get("embargo_lift_at")
    lifts = lift_at.isoformat() if isinstance(lift_at, datetime) else "later"
    raise ProblemError(
        409,
        f"Nothing is public before the embargo lifts ({lifts}); it is published at the lift.",
        slug="under-embargo",
        title="The release is under embargo until it lifts",
        extensions={"release_id": release["release_id"], "lift_at": lifts},
    )
