"""The write side of /v1/releases: each route sends one drafting command, awaits its outcome."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from events.content import ContentChanges, Identifier, ReleaseContent
from events.drafting import CreateDraft, DiscardDraft, Reason, ReviseDraft, SubmitDraft
from services.gateway.auth import CurrentPrincipal
from services.gateway.deps import GatewayDep, IdempotencyKey, IfMatchOptional, IfMatchRequired
from services.gateway.dispatch import send_command
from services.gateway.outcomes import CommandAccepted, CommandPending
from services.gateway.preconditions import command_ids
from services.gateway.problems import problem_responses

router = APIRouter(prefix="/v1/releases", tags=["releases"])
ReleaseId = Annotated[Identifier, Path(description="The release id returned on creation.")]
COMMAND_RESPONSES = {
    202: {"model": CommandPending, "description": "No outcome yet; poll the Location."},
    **problem_responses(400, 401, 403, 404, 409, 422, 500, 503),
}


class CreateRelease(BaseModel):
    """POST /v1/releases: the first revision's content and who else may edit it."""

    model_config = ConfigDict(extra="forbid")

    content: ReleaseContent
    collaborators: Annotated[list[Identifier], Field(max_length=50)] = []


class DiscardRelease(BaseModel):
    """DELETE /v1/releases/{id}: why the draft is discarded (optional)."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason = ""


@router.post("", status_code=201, response_model=CommandAccepted, responses=COMMAND_RESPONSES)
async def create_release(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    body: CreateRelease,
) -> Response:
    """Create a draft (CreateDraft); 201 with Location, the release id and version 1."""
    ids = command_ids(principal.id, "POST", request.url.path, idempotency_key)
    command = CreateDraft(
        release_id=ids.new_release_id,
        actor=principal.actor(),
        content=body.content,
        collaborators=body.collaborators,
    )
    return await send_command(request, gateway, principal, command, ids.command_id, created=True)


@router.patch(
    "/{release_id}",
    response_model=CommandAccepted,
    responses={**COMMAND_RESPONSES, **problem_responses(428)},
)
async def revise_release(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    version: IfMatchRequired,
    changes: ContentChanges,
) -> Response:
    """Revise a draft (ReviseDraft): only the fields sent change; If-Match is required."""
    ids = command_ids(principal.id, "PATCH", request.url.path, idempotency_key)
    command = ReviseDraft(
        release_id=release_id, actor=principal.actor(), expected_version=version, changes=changes
    )
    return await send_command(request, gateway, principal, command, ids.command_id)


@router.post("/{release_id}/submit", response_model=CommandAccepted, responses=COMMAND_RESPONSES)
async def submit_release(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    version: IfMatchOptional,
) -> Response:
    """Submit the current revision for approval (SubmitDraft)."""
    ids = command_ids(principal.id, "POST", request.url.path, idempotency_key)
    command = SubmitDraft(release_id=release_id, actor=principal.actor(), expected_version=version)
    return await send_command(request, gateway, principal, command, ids.command_id)


@router.delete("/{release_id}", response_model=CommandAccepted, responses=COMMAND_RESPONSES)
async def discard_release(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
    release_id: ReleaseId,
    version: IfMatchOptional,
    body: Annotated[DiscardRelease | None, Body()] = None,
    reason: Annotated[Reason | None, Query(description="Why; a JSON body wins.")] = None,
) -> Response:
    """Discard a draft (DiscardDraft), with an optional reason in the body or the query."""
    ids = command_ids(principal.id, "DELETE", request.url.path, idempotency_key)
    command = DiscardDraft(
        release_id=release_id,
        actor=principal.actor(),
        expected_version=version,
        reason=body.reason if body is not None else reason or "",
    )
    return await send_command(request, gateway, principal, command, ids.command_id)
