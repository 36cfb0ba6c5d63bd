"""Publication's state, its refusals and the guards on who may publish what, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from events.actor import Actor
from events.content import ReleaseContent, content_hash
from events.publication import ChangeNote
from events.replies import OutcomeStatus, Rejection
from events.rules import NotAllowed, require_role

PRESS_OFFICE = ("press-officer", "managing-editor")
MANAGING_EDITOR = ("managing-editor",)
# Approvals, content, embargo notes and the publication at a lift come from publication's own
# policies, never from a person.
SYSTEM = "system"
SYSTEM_ACTOR = Actor(id="pressroom-publication", roles=[SYSTEM])
FIRST_PUBLISHED = "First published."


class Status(StrEnum):
    NOT_PUBLISHED = "not-published"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # still readable, under a notice
    UNPUBLISHED = "unpublished"  # gone, redirected or vanished: final


class EmbargoStatus(StrEnum):
    NONE = "none"
    ACTIVE = "active"  # nothing is published before the lift
    CANCELLED = "cancelled"  # publishable by hand, never automatically
    LIFTED = "lifted"
    CLEARED = "cleared"  # embargo's word: no embargo holds it, now or later


# Embargo's final word: with one of these a first edition needs no question to embargo.
EMBARGO_FINAL = (EmbargoStatus.LIFTED, EmbargoStatus.CLEARED)


@dataclass(frozen=True)
class Approved:
    revision: int
    content_hash: str


@dataclass(frozen=True)
class Snapshot:
    """A revision's content as drafting wrote it, with the hash drafting gave it."""

    revision: int
    content_hash: str
    content: ReleaseContent


@dataclass(frozen=True)
class Asked:
    """A first edition asked of embargo at stream `version`, naming what was to go public."""

    version: int
    revision: int
    content_hash: str


@dataclass(frozen=True)
class Edition:
    number: int
    revision: int
    content_hash: str
    slug: str
    first_published_at: datetime
    public_updated_at: datetime


@dataclass(frozen=True)
class Publication:
    """One release as publication sees it: what is approved, what is held, what is public."""

    version: int = 0  # stream version: how many events this release has in publication
    status: Status = Status.NOT_PUBLISHED
    approved: Approved | None = None
    # The newest revision an approval note named: an approval of anything older is stale.
    latest_revision: int = 0
    snapshots: tuple[Snapshot, ...] = ()
    # The lead organisation of the newest revision noted: only its press office acts on it.
    lead_organisation: str = ""
    lead_revision: int = 0
    embargo: EmbargoStatus = EmbargoStatus.NONE
    lift_at: datetime | None = None
    # Lifted before anything was publishable: published as soon as it is.
    publish_at_lift: bool = False
    current: Edition | None = None
    change_history: tuple[ChangeNote, ...] = ()
    asked: tuple[Asked, ...] = ()

    def needs_embargo_word(self) -> bool:
        """A first edition goes public only on embargo's word (docs/publication.md)."""
        return self.current is None and self.embargo not in EMBARGO_FINAL

    def snapshot(self, revision: int) -> Snapshot | None:
        return next((shot for shot in self.snapshots if shot.revision == revision), None)


class NotApproved(Rejection):
    problem_type = "urn:pressroom:problem:not-approved"
    title = "No revision of the release is approved"


class UnderEmbargo(Rejection):
    problem_type = "urn:pressroom:problem:under-embargo"
    title = "The release is under embargo until it lifts"


class ContentUnknown(Rejection):
    problem_type = "urn:pressroom:problem:content-unknown"
    title = "The approved revision's content has not reached publication yet"


class ContentMismatch(Rejection):
    problem_type = "urn:pressroom:problem:content-mismatch"
    title = "The content does not hash to the approved revision's hash"


class AlreadyPublished(Rejection):
    problem_type = "urn:pressroom:problem:already-published"
    title = "The approved revision is already the public edition"


class NotPublished(Rejection):
    problem_type = "urn:pressroom:problem:not-published"
    title = "The release is not public"


class NoLongerPublic(Rejection):
    problem_type = "urn:pressroom:problem:no-longer-public"
    title = "The release was withdrawn or unpublished"


class StaleVersion(Rejection):
    problem_type = "urn:pressroom:problem:stale-version"
    title = "The publication changed since you read it"


class InvalidPublication(Rejection):
    status = OutcomeStatus.INVALID
    problem_type = "urn:pressroom:problem:invalid-publication"
    title = "The request breaks a publication rule"


def require_system(actor: Actor, doing: str) -> None:
    require_role(actor, (SYSTEM,), doing)


def require_lead_organisation(state: Publication, actor: Actor, doing: str) -> None:
    """A partner organisation's (or a collaborator's) press role does not publish, withdraw or
    unpublish the lead organisation's release. Before any content is noted nothing can be
    published anyway (the later rules refuse)."""
    lead = state.lead_organisation
    if lead and actor.organisation != lead:
        raise NotAllowed(f"{actor.id} may not {doing}: only the lead organisation ({lead}) may")


def require_version(state: Publication, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != state.version:
        raise StaleVersion(f"you sent version {expected_version}; it is at {state.version}")


def require_publishable(state: Publication) -> Snapshot:
    """The approved revision's snapshot, if the release may go public with it now."""
    if state.status in (Status.WITHDRAWN, Status.UNPUBLISHED):
        raise NoLongerPublic(f"the release is {state.status}; it is not published again")
    if state.embargo is EmbargoStatus.ACTIVE:
        lifts = state.lift_at.isoformat() if state.lift_at else "later"
        raise UnderEmbargo(f"nothing is public before the embargo lifts ({lifts})")
    approved = state.approved
    if approved is None:
        raise NotApproved("only an approved revision is published; approve one first")
    if state.current is not None and state.current.content_hash == approved.content_hash:
        raise AlreadyPublished(f"edition {state.current.number} is the approved revision")
    snapshot = state.snapshot(approved.revision)
    if snapshot is None:
        raise ContentUnknown(f"revision {approved.revision}'s content is on its way; try again")
    # Invariant 1: what goes public hashes to exactly what was approved, and drafting agrees.
    if {approved.content_hash, snapshot.content_hash, content_hash(snapshot.content)} != {
        approved.content_hash
    }:
        raise ContentMismatch(f"revision {approved.revision} does not hash to the approved hash")
    return snapshot


def require_public(state: Publication, allow_withdrawn: bool = False) -> Edition:
    if state.current is None:
        raise NotPublished("the release was never published")
    allowed = (Status.PUBLISHED, Status.WITHDRAWN) if allow_withdrawn else (Status.PUBLISHED,)
    if state.status not in allowed:
        raise NoLongerPublic(f"the release is {state.status}")
    return state.current


def require_redirect_rule(unpublish_type: str, redirect_url: str | None) -> None:
    """A redirect needs an https URL; gone and vanish take none (nothing to point at)."""
    if unpublish_type != "redirect":
        if redirect_url:
            raise InvalidPublication(f"{unpublish_type} takes no redirect_url")
        return
    parts = urlsplit(redirect_url or "")
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidPublication(f"a redirect needs an https URL, not {redirect_url!r}")
