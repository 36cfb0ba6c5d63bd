"""Embargo's state, its refusals and the guards on who may hold or release a release, and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from events.actor import Actor
from events.embargo import EmbargoedCopyIssued, EmbargoLifted
from events.replies import OutcomeStatus, Rejection
from events.rules import require_role

EMBARGO_ROLES = ("press-officer", "managing-editor")
# Approvals, withdrawals, pre-release and lift deadlines come from embargo's own policy and
# scheduler, never from a person.
SYSTEM = "system"
SYSTEM_ACTOR = Actor(id="pressroom-embargo", roles=[SYSTEM])


class Status(StrEnum):
    NONE = "none"  # never embargoed: publishable as soon as approved
    ACTIVE = "active"  # held until lift_at (lift deferred while nothing is approved)
    CANCELLED = "cancelled"  # no embargo any more; another one may be set
    LIFTED = "lifted"  # public, on time or early: never embargoed again
    CLEARED = "cleared"  # published by hand with no embargo in force: never embargoed again


@dataclass(frozen=True)
class Approved:
    revision: int
    content_hash: str


@dataclass(frozen=True)
class Terms:
    """What a press officer decides: when it lifts, who gets copies before, and from when."""

    lift_at: datetime
    recipients: tuple[str, ...]
    pre_release_at: datetime | None

    @classmethod
    def of(cls, lift_at: datetime, recipients: Iterable[str], pre_at: datetime | None) -> Terms:
        # Each journalist once, in the order given: one copy per person.
        return cls(lift_at, tuple(dict.fromkeys(recipients)), pre_at)

    def pre_release_reached(self, now: datetime) -> bool:
        """Without a pre-release time, copies go out as soon as a revision is approved."""
        return self.pre_release_at is None or self.pre_release_at <= now


# One embargoed copy: (recipient, revision, content hash, the lift time printed on it).
Copy = tuple[str, int, str, datetime]


@dataclass(frozen=True)
class Embargo:
    """One release as embargo sees it: the current embargo and the approved revision, if any."""

    status: Status = Status.NONE
    version: int = 0  # stream version: how many events this release has in embargo
    terms: Terms | None = None
    deferred: bool = False  # the lift time came while nothing was approved
    approved: Approved | None = None
    # The newest revision known to exist: an approval of anything older is stale.
    latest_revision: int = 0
    issued: frozenset[Copy] = field(default=frozenset())

    def lift_due(self, now: datetime) -> bool:
        return self.status is Status.ACTIVE and self.terms is not None and self.terms.lift_at <= now

    def copies_due(self, release_id: str, now: datetime) -> list[EmbargoedCopyIssued]:
        """A copy of the approved revision, marked with this lift time, to each recipient without
        one; none before pre-release, none once the lift is due (it lifts instead)."""
        terms, approved = self.terms, self.approved
        if self.status is not Status.ACTIVE or terms is None or approved is None:
            return []
        if self.lift_due(now) or not terms.pre_release_reached(now):
            return []
        copies = (
            EmbargoedCopyIssued(
                release_id=release_id,
                recipient=recipient,
                revision=approved.revision,
                content_hash=approved.content_hash,
                lift_at=terms.lift_at,
            )
            for recipient in terms.recipients
        )
        return [copy for copy in copies if copy_of(copy) not in self.issued]


def copy_of(event: EmbargoedCopyIssued) -> Copy:
    return (event.recipient, event.revision, event.content_hash, event.lift_at)


def lifted(release_id: str, terms: Terms, approved: Approved, now: datetime) -> EmbargoLifted:
    """Public from `now`, with how late that is (never negative: lifts are never early)."""
    return EmbargoLifted(
        release_id=release_id,
        lift_at=terms.lift_at,
        lifted_at=now,
        lateness_ms=(now - terms.lift_at) // timedelta(milliseconds=1),
        revision=approved.revision,
        content_hash=approved.content_hash,
    )


class EmbargoNotFound(Rejection):
    status = OutcomeStatus.NOT_FOUND
    problem_type = "urn:pressroom:problem:embargo-not-found"
    title = "The release is not under embargo"


class EmbargoExists(Rejection):
    problem_type = "urn:pressroom:problem:embargo-exists"
    title = "The release is already under embargo; change it instead"


class AlreadyLifted(Rejection):
    problem_type = "urn:pressroom:problem:embargo-lifted"
    title = "The embargo has lifted: the release is public"


class AlreadyReleased(Rejection):
    problem_type = "urn:pressroom:problem:already-released"
    title = "The release was cleared for publication: it can no longer be embargoed"


class NotApproved(Rejection):
    problem_type = "urn:pressroom:problem:release-not-approved"
    title = "No revision of the release is approved"


class NotDueYet(Rejection):
    problem_type = "urn:pressroom:problem:embargo-not-due"
    title = "The time has not come"


class StaleVersion(Rejection):
    problem_type = "urn:pressroom:problem:stale-version"
    title = "The embargo changed since you read it"


class InvalidEmbargo(Rejection):
    status = OutcomeStatus.INVALID
    problem_type = "urn:pressroom:problem:invalid-embargo"
    title = "The embargo's times break a rule"


def require_press_office(actor: Actor, doing: str) -> None:
    require_role(actor, EMBARGO_ROLES, doing)


def require_system(actor: Actor, doing: str) -> None:
    require_role(actor, (SYSTEM,), doing)


def require_version(state: Embargo, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != state.version:
        raise StaleVersion(
            f"you sent version {expected_version}; the embargo is at {state.version}"
        )


def require_not_lifted(state: Embargo) -> None:
    if state.status is Status.LIFTED:
        raise AlreadyLifted("the embargo has lifted; a public release cannot be embargoed again")
    if state.status is Status.CLEARED:
        raise AlreadyReleased("the release was published with no embargo in force; it is public")


def require_active(state: Embargo) -> Terms:
    require_not_lifted(state)
    if state.status is not Status.ACTIVE or state.terms is None:
        raise EmbargoNotFound(f"the release is not under embargo ({state.status})")
    return state.terms


def require_approved(state: Embargo) -> Approved:
    if state.approved is None:
        raise NotApproved("nothing is lifted for an unapproved revision; approve one first")
    return state.approved


def require_valid_terms(terms: Terms, now: datetime) -> None:
    """A lift in the past would lift at once: most likely a wrong date or offset, so refused."""
    if terms.lift_at <= now:
        raise InvalidEmbargo(f"lift_at {terms.lift_at.isoformat()} is not in the future")
    pre_release = terms.pre_release_at
    if pre_release is not None and not terms.recipients:
        raise InvalidEmbargo("pre_release_at needs recipients: a schedule sends no copies")
    if pre_release is not None and pre_release >= terms.lift_at:
        raise InvalidEmbargo("pre_release_at must come before lift_at")
