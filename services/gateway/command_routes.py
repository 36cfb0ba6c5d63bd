"""Command routes as data: each one is declared once (method, path, body model, the command it
builds, who may call it, its OpenAPI name and description) and served by one endpoint, which
checks the caller, builds the command and sends it keyed by the Idempotency-Key."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from events.actor import Actor
from events.base import Command
from services.gateway.auth import CurrentPrincipal, Principal
from services.gateway.deps import Gateway, GatewayDep, IdempotencyKey
from services.gateway.dispatch import send_keyed
from services.gateway.outcomes import CommandAccepted
from services.gateway.read_access import ReadAfterHeader, readable_release
from services.gateway.routes.release_commands import COMMAND_RESPONSES, ReleaseId

B = TypeVar("B", bound=BaseModel)
# Who may call a route: returns the release's row, or raises the 404/403 problem.
Guard = Callable[[Gateway, Principal, str, str | None], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Asked(Generic[B]):
    """What a command is built from: the release as the caller may read it, and the body."""

    release_id: str
    release: Mapping[str, Any]
    actor: Actor
    body: B


@dataclass(frozen=True)
class CommandRoute(Generic[B]):
    """One command route under /v1/releases/{release_id}. `name` is the operation's id and
    summary, `description` its OpenAPI text. An optional body defaults to `body()`."""

    method: str
    path: str
    name: str
    description: str
    tag: str
    body: type[B]
    build: Callable[[Asked[B]], Command]
    body_required: bool = True
    guard: Guard = readable_release


class NoBody(BaseModel):
    """For routes that take no body: nothing is read from the request."""


def command_router(routes: tuple[CommandRoute[Any], ...]) -> APIRouter:
    """The routes, in the order given, each with CommandAccepted and the command problems."""
    router = APIRouter(prefix="/v1/releases")
    for route in routes:
        router.add_api_route(
            route.path,
            _endpoint(route),
            methods=[route.method],
            name=route.name,
            description=route.description,
            tags=[route.tag],
            response_model=CommandAccepted,
            responses=COMMAND_RESPONSES,
        )
    return router


def _endpoint(route: CommandRoute[Any]) -> Callable[..., Awaitable[Response]]:
    async def endpoint(
        request: Request,
        gateway: Gateway,
        principal: Principal,
        idempotency_key: str | None,
        release_id: str,
        read_after_header: str | None = None,
        body: BaseModel | None = None,
    ) -> Response:
        release = await route.guard(gateway, principal, release_id, read_after_header)
        asked = Asked(
            release_id, release, principal.actor(), body if body is not None else route.body()
        )
        command = route.build(asked)
        return await send_keyed(request, gateway, principal, command, idempotency_key)

    endpoint.__signature__ = _signature(route)  # type: ignore[attr-defined]
    return endpoint


def _signature(route: CommandRoute[Any]) -> inspect.Signature:
    """What FastAPI reads to parse the request: the same parameters for every route, and the
    route's own body model (none for NoBody)."""

    def keyword(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> Any:
        kind = inspect.Parameter.KEYWORD_ONLY
        return inspect.Parameter(name, kind, annotation=annotation, default=default)

    parameters = [
        keyword("request", Request),
        keyword("gateway", GatewayDep),
        keyword("principal", CurrentPrincipal),
        keyword("idempotency_key", IdempotencyKey),
        keyword("release_id", ReleaseId),
        keyword("read_after_header", ReadAfterHeader, None),
    ]
    if route.body is not NoBody:
        optional = route.body | None
        parameters.append(
            keyword("body", route.body) if route.body_required else keyword("body", optional, None)
        )
    return inspect.Signature(parameters, return_annotation=Response)
