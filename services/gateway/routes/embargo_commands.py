"""The write side of embargo: each route sends one command to pressroom.embargo.commands (served
by services.gateway.command_routes); only the lead organisation's press office may call them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from events.base import Command
from events.embargo import (
    CancelEmbargo,
    ChangeEmbargo,
    LiftEmbargoEarly,
    OptionalReason,
    Reason,
    Recipients,
    SetEmbargo,
)
from events.text import EARLIEST_TIME, LATEST_TIME, bounded_utc
from services.gateway.auth import Principal
from services.gateway.command_routes import Asked, CommandRoute
from services.gateway.deps import Gateway
from services.gateway.problems import ProblemError
from services.gateway.read_access import readable_release

TAG = "embargo"
PRESS_OFFICE_ROLES = ("press-officer", "managing-editor")
# An embargo the service still holds: a PUT then replaces its terms (ChangeEmbargo).
ACTIVE = ("scheduled", "deferred")
OFFSET_HINT = "include an offset, e.g. 2026-01-09T00:01:00+00:00"
TIME_RANGE = (
    f"RFC 3339 with an offset, from {EARLIEST_TIME:%Y-%m-%dT%H:%M:%SZ}"
    f" to {LATEST_TIME:%Y-%m-%dT%H:%M:%SZ}."
)


class EmbargoBody(BaseModel):
    """When the release lifts and who may read it before. Times need an offset (invariant 10)."""

    model_config = ConfigDict(extra="forbid")

    lift_at: datetime = Field(description=TIME_RANGE)
    recipients: Recipients = []
    pre_release_at: datetime | None = Field(default=None, description=TIME_RANGE)

    @field_validator("lift_at", "pre_release_at")
    @classmethod
    def _has_offset(cls, value: datetime | None) -> datetime | None:
        # Refused here, with the hint, rather than with pydantic's terse "timezone info".
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{value.isoformat()} has no offset: {OFFSET_HINT}")
        # In range here, or SetEmbargo's own check would raise inside the route.
        return bounded_utc(value) if value is not None else None


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: OptionalReason = ""


class EarlyLiftBody(BaseModel):
    """Lift now, before the lift time; the reason goes into the audit timeline."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason


def _set(asked: Asked[EmbargoBody]) -> Command:
    """SetEmbargo, or ChangeEmbargo when one is in force: a PUT replaces its terms."""
    kind = ChangeEmbargo if asked.release.get("embargo_status") in ACTIVE else SetEmbargo
    body = asked.body
    return kind(
        release_id=asked.release_id, actor=asked.actor, lift_at=body.lift_at,
        recipients=body.recipients, pre_release_at=body.pre_release_at,
    )  # fmt: skip


def _cancel(asked: Asked[CancelBody]) -> Command:
    return CancelEmbargo(release_id=asked.release_id, actor=asked.actor, reason=asked.body.reason)


def _lift_early(asked: Asked[EarlyLiftBody]) -> Command:
    return LiftEmbargoEarly(
        release_id=asked.release_id, actor=asked.actor, reason=asked.body.reason
    )


async def _press_office_release(
    gateway: Gateway, principal: Principal, release_id: str, read_after_header: str | None
) -> dict[str, Any]:
    """The release, when the caller is its lead organisation's press office: 404 for those who
    may not read it (refusals must not reveal it exists), 403 for readers without the role."""
    release = await readable_release(gateway, principal, release_id, read_after_header)
    own = principal.organisation is not None
    own = own and principal.organisation == release.get("lead_organisation")
    if not own or not any(map(principal.has_role, PRESS_OFFICE_ROLES)):
        raise ProblemError(
            403,
            f"Only a press officer or managing editor of {release.get('lead_organisation')!r}"
            " may set, change, cancel or lift its embargo.",
            slug="forbidden",
        )
    return release


ROUTES: tuple[CommandRoute[Any], ...] = (
    CommandRoute(
        "PUT", "/{release_id}/embargo", "set_embargo",
        "Sets the embargo (SetEmbargo), or replaces its terms when one is in force"
        " (ChangeEmbargo).",
        TAG, EmbargoBody, _set, guard=_press_office_release,
    ),
    CommandRoute(
        "DELETE", "/{release_id}/embargo", "cancel_embargo",
        "Cancels the embargo (CancelEmbargo): copies issued are void, the release may publish.",
        TAG, CancelBody, _cancel, body_required=False, guard=_press_office_release,
    ),
    CommandRoute(
        "POST", "/{release_id}/embargo/lift", "lift_embargo_early",
        "Lifts the embargo now (LiftEmbargoEarly); needs an approved revision and a reason.",
        TAG, EarlyLiftBody, _lift_early, guard=_press_office_release,
    ),
)  # fmt: skip
