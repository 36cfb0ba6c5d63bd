"""Subscribers: register a webhook or an email address, list them, see what each was sent,
remove one, and ask for failed deliveries again. Commands go to pressroom.publication.commands,
keyed by subscriber id; reads come from the `subscribers` and `deliveries` projections."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from events.content import Identifier
from events.replies import OutcomeStatus
from events.subscribers import (
    OPERATOR,
    SUBSCRIPTION_MANAGERS,
    RemoveSubscriber,
    RequestRedelivery,
    SubscriberCommand,
    SubscriberTerms,
    manages,
)
from services.gateway.auth import CurrentPrincipal, Principal
from services.gateway.deps import Gateway, GatewayDep, IdempotencyKey
from services.gateway.dispatch import dispatch_command
from services.gateway.outcomes import outcome_response, pending_response
from services.gateway.preconditions import command_ids
from services.gateway.problems import ProblemError, problem_responses
from services.gateway.views import json_ready
from services.gateway.webhook_registration import registration

router = APIRouter(prefix="/v1/subscribers", tags=["subscribers"])
SubscriberId = Annotated[Identifier, Path(description="The id returned on registration.")]
RESPONSES = problem_responses(400, 401, 403, 404, 409, 422, 500, 503)


class SubscriberBody(SubscriberTerms):
    """A webhook (`url` + a Standard Webhooks `secret`, `whsec_…`, which signs every delivery)
    or an `email` address. The secret is sealed before it leaves the gateway, never shown."""


class RedeliverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    release_id: Identifier | None = None


@router.post("", status_code=201, responses=RESPONSES)
async def register_subscriber(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    body: SubscriberBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Registers a subscriber (201 + Location). The same Idempotency-Key registers it once."""
    ids = command_ids(principal.id, request.method, request.url.path, idempotency_key)
    subscriber_id = f"sub-{ids.new_release_id}"
    command = registration(body, subscriber_id, principal.actor(), gateway.settings)
    response = await _send(request, gateway, principal, command, ids.command_id)
    if response is not None:
        return response
    view = {"subscriber_id": subscriber_id, **body.model_dump(mode="json", exclude={"secret"})}
    return JSONResponse(
        view, status_code=201, headers={"Location": f"/v1/subscribers/{subscriber_id}"}
    )


@router.get("", responses=RESPONSES)
async def list_subscribers(
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> JSONResponse:
    """The caller's organisation's subscribers (an operator's: all), active or removed, the oldest
    first (secrets never shown)."""
    _require_manager(principal)
    if not manages(principal.actor(), principal.organisation):
        return JSONResponse({"items": [], "limit": limit})  # no organisation: none of its own
    owner = None if principal.has_role(OPERATOR) else principal.organisation
    rows = await gateway.reads.subscribers(limit, offset, owner)
    return JSONResponse({"items": [json_ready(row) for row in rows], "limit": limit})


@router.get("/{subscriber_id}", responses=RESPONSES)
async def get_subscriber(
    gateway: GatewayDep, principal: CurrentPrincipal, subscriber_id: SubscriberId
) -> JSONResponse:
    """One subscriber and its latest deliveries: status, attempts, the last answer."""
    _require_manager(principal)
    row = await _subscriber(gateway, principal, subscriber_id)
    deliveries = await gateway.reads.subscriber_deliveries(subscriber_id, 100)
    view = {**json_ready(row), "deliveries": [json_ready(d) for d in deliveries]}
    return JSONResponse(view)


@router.delete("/{subscriber_id}", responses=RESPONSES)
async def remove_subscriber(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    subscriber_id: SubscriberId,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Nothing more is sent to it; notices still waiting for it are dropped."""
    ids = command_ids(principal.id, request.method, request.url.path, idempotency_key)
    command = RemoveSubscriber(subscriber_id=subscriber_id, actor=principal.actor())
    return await _send(request, gateway, principal, command, ids.command_id) or _done(subscriber_id)


@router.post("/{subscriber_id}/redeliver", responses=RESPONSES)
async def redeliver(
    request: Request,
    gateway: GatewayDep,
    principal: CurrentPrincipal,
    subscriber_id: SubscriberId,
    body: RedeliverBody | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Failed deliveries (of `release_id`, or all) are tried again, in their original order."""
    ids = command_ids(principal.id, request.method, request.url.path, idempotency_key)
    release_id = body.release_id if body else None
    command = RequestRedelivery(
        subscriber_id=subscriber_id, actor=principal.actor(), release_id=release_id
    )
    return await _send(request, gateway, principal, command, ids.command_id) or _done(subscriber_id)


async def _send(
    request: Request,
    gateway: Gateway,
    principal: Principal,
    command: SubscriberCommand,
    command_id: str,
) -> Response | None:
    """None when accepted (the route answers); else the problem, or 202 while still pending."""
    outcome = await dispatch_command(request, gateway, principal, command, command_id)
    if outcome is None:
        return pending_response(command_id, None)
    if outcome.status is not OutcomeStatus.ACCEPTED:
        return outcome_response(outcome)
    return None


def _done(subscriber_id: str) -> JSONResponse:
    return JSONResponse({"subscriber_id": subscriber_id, "status": "accepted"})


def _require_manager(principal: Principal) -> None:
    if not any(map(principal.has_role, SUBSCRIPTION_MANAGERS)):
        roles = ", ".join(SUBSCRIPTION_MANAGERS)
        raise ProblemError(
            403, f"Seeing subscribers takes one of these roles: {roles}.", slug="forbidden"
        )


async def _subscriber(gateway: Gateway, principal: Principal, subscriber_id: str) -> dict[str, Any]:
    """Its row, if the caller manages it; another organisation's is as missing as a missing one."""
    row = await gateway.reads.subscriber(subscriber_id)
    if row is None or not manages(principal.actor(), row.get("organisation")):
        raise ProblemError(
            404, f"No subscriber {subscriber_id!r}; GET /v1/subscribers lists them.",
            slug="subscriber-not-found",
        )  # fmt: skip
    return row
