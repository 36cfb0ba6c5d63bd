"""The write side of publication: publish, withdraw and unpublish go to
pressroom.publication.commands; a correction (StartCorrection) goes to drafting. Served by
services.gateway.command_routes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from events.base import Command
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
from services.gateway.command_routes import Asked, CommandRoute, NoBody
from services.gateway.problems import ProblemError

TAG = "publication"
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


def _publish(asked: Asked[PublishBody]) -> Command:
    refuse_under_embargo(asked.release)
    return PublishRelease(
        release_id=asked.release_id, actor=asked.actor, update_type=asked.body.update_type,
        change_note=asked.body.change_note,
    )  # fmt: skip


def _withdraw(asked: Asked[WithdrawBody]) -> Command:
    return WithdrawRelease(
        release_id=asked.release_id, actor=asked.actor, explanation=asked.body.explanation
    )


def _unpublish(asked: Asked[UnpublishBody]) -> Command:
    return UnpublishRelease(
        release_id=asked.release_id, actor=asked.actor, unpublish_type=asked.body.type,
        redirect_url=asked.body.redirect_url,
    )  # fmt: skip


def _correct(asked: Asked[NoBody]) -> Command:
    return StartCorrection(release_id=asked.release_id, actor=asked.actor)


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


ROUTES: tuple[CommandRoute[Any], ...] = (
    CommandRoute(
        "POST", "/{release_id}/publish", "publish_release",
        "Publishes the approved revision (PublishRelease): edition 1, or the next edition.",
        TAG, PublishBody, _publish, body_required=False,
    ),
    CommandRoute(
        "POST", "/{release_id}/withdraw", "withdraw_release",
        "Withdraws the published release (WithdrawRelease), with an explanation.",
        TAG, WithdrawBody, _withdraw,
    ),
    CommandRoute(
        "POST", "/{release_id}/unpublish", "unpublish_release",
        "Unpublishes the release (UnpublishRelease): gone, redirect (https URL) or vanish.",
        TAG, UnpublishBody, _unpublish,
    ),
    CommandRoute(
        "POST", "/{release_id}/corrections", "start_correction",
        "Makes the published release editable again (StartCorrection, sent to drafting).",
        TAG, NoBody, _correct,
    ),
)  # fmt: skip
