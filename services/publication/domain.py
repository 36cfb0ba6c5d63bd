"""Publication's pure domain: decide and evolve for one release. No I/O; time is passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import assert_never

from events.publication import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    DeliveryAttempted,
    DeliveryFailed,
    DeliverySucceeded,
    EmbargoCancellationNoted,
    EmbargoLiftNoted,
    EmbargoNoted,
    NoteApproval,
    NoteApprovalWithdrawn,
    NoteEmbargo,
    NoteEmbargoCancelled,
    NoteEmbargoLifted,
    NotePublicationCleared,
    NotePublicationHeld,
    NoteRevisionContent,
    PublicationClearanceNoted,
    PublicationCommands,
    PublicationEvents,
    PublicationRequested,
    PublishOnLift,
    PublishRelease,
    RecordDeliveryAttempt,
    ReleasePublished,
    ReleaseUnpublished,
    ReleaseWithdrawn,
    RevisionContentNoted,
    UnpublishRelease,
    WithdrawRelease,
)
from events.replies import Rejection
from events.rules import require_role
from services.publication import notes
from services.publication.attempts import record_attempt
from services.publication.editions import next_edition
from services.publication.rules import (
    MANAGING_EDITOR,
    PRESS_OFFICE,
    SYSTEM_ACTOR,
    Approved,
    Asked,
    Edition,
    EmbargoStatus,
    Publication,
    Snapshot,
    StaleVersion,
    Status,
    require_lead_organisation,
    require_public,
    require_redirect_rule,
    require_system,
    require_version,
)


def initial_state() -> Publication:
    return Publication()


def decide(
    command: PublicationCommands, state: Publication, now: datetime
) -> Sequence[PublicationEvents]:
    """The events a command causes, or a Rejection saying why not."""
    match command:
        case PublishRelease():
            return _publish(command, state, now)
        case WithdrawRelease():
            return _withdraw(command, state, now)
        case UnpublishRelease():
            return _unpublish(command, state, now)
        case NoteApproval():
            return _then_publish_if_lifted(state, notes.approval(command, state), now)
        case NoteApprovalWithdrawn():
            return _then_publish_if_lifted(state, notes.withdrawal(command, state), now)
        case NoteRevisionContent():
            return _then_publish_if_lifted(state, notes.content(command, state), now)
        case NoteEmbargo():
            return _then_publish_if_lifted(state, notes.embargo(command, state), now)
        case NoteEmbargoCancelled():
            return _then_publish_if_lifted(state, notes.cancellation(command, state), now)
        case NoteEmbargoLifted():
            return _then_publish_if_lifted(state, notes.lift(command, state), now)
        case NotePublicationCleared():
            return _noted(notes.clearance(command, state))
        case NotePublicationHeld():
            return _noted(notes.embargo(command, state))
        case PublishOnLift():
            return _publish_on_lift(command, state, now)
        case RecordDeliveryAttempt():
            return record_attempt(command)
        case _:
            assert_never(command)


def evolve(state: Publication, event: PublicationEvents) -> Publication:
    state = replace(state, version=state.version + 1)
    match event:
        case ReleasePublished():
            history = tuple(event.change_history)
            edition = Edition(
                event.edition, event.revision, event.content_hash, event.slug,
                event.first_published_at, event.public_updated_at,
            )  # fmt: skip
            return replace(
                state, status=Status.PUBLISHED, current=edition, change_history=history,
                publish_at_lift=False,
            )  # fmt: skip
        case ReleaseWithdrawn():
            return replace(state, status=Status.WITHDRAWN)
        case ReleaseUnpublished():
            return replace(state, status=Status.UNPUBLISHED)
        case ApprovedRevisionNoted():
            # Older snapshots can never be published again: no approval of them is accepted.
            kept = tuple(shot for shot in state.snapshots if shot.revision >= event.revision)
            latest = max(state.latest_revision, event.revision)
            approved = Approved(event.revision, event.content_hash)
            return replace(state, approved=approved, latest_revision=latest, snapshots=kept)
        case ApprovalWithdrawnNoted():
            latest = max(state.latest_revision, event.new_revision)
            return replace(state, approved=None, latest_revision=latest)
        case RevisionContentNoted():
            shot = Snapshot(event.revision, event.content_hash, event.content)
            others = tuple(other for other in state.snapshots if other.revision != event.revision)
            state = replace(state, snapshots=(*others, shot))
            if event.revision < state.lead_revision:
                return state
            lead = event.content.lead_organisation
            return replace(state, lead_organisation=lead, lead_revision=event.revision)
        case EmbargoNoted():
            return replace(state, embargo=EmbargoStatus.ACTIVE, lift_at=event.lift_at)
        case EmbargoCancellationNoted():
            return replace(state, embargo=EmbargoStatus.CANCELLED, lift_at=None)
        case EmbargoLiftNoted():
            # Publish at lift means the first edition; a later one takes a press officer's word.
            waiting = state.status is Status.NOT_PUBLISHED
            return replace(state, embargo=EmbargoStatus.LIFTED, publish_at_lift=waiting)
        case PublicationRequested():
            asked = Asked(state.version - 1, event.revision, event.content_hash)
            return replace(state, asked=(*state.asked, asked))
        case PublicationClearanceNoted():
            return replace(state, embargo=EmbargoStatus.CLEARED, lift_at=None)
        case DeliveryAttempted() | DeliverySucceeded() | DeliveryFailed():
            return state  # who was told changes nothing about what is public
        case _:
            assert_never(event)


def _publish(command: PublishRelease, state: Publication, now: datetime) -> list[PublicationEvents]:
    """A first edition without embargo's word asks embargo (the kit keeps the command pending and
    decides it again on the answer); any other goes public at once, or is refused."""
    require_role(command.actor, PRESS_OFFICE, "publish a release")
    require_lead_organisation(state, command.actor, "publish a release")
    asked = _asked_at(state, command.expected_version)
    edition = next_edition(
        state, command.release_id, command.update_type, command.change_note, command.actor.id, now
    )
    if asked is not None and (asked.revision, asked.content_hash) != (
        edition.revision, edition.content_hash,
    ):  # fmt: skip
        raise StaleVersion(f"revision {asked.revision} was asked for; {edition.revision} is now")
    if state.needs_embargo_word():
        request = PublicationRequested(
            release_id=command.release_id, revision=edition.revision,
            content_hash=edition.content_hash, requested_by=command.actor.id,
        )  # fmt: skip
        return [request]
    return [edition]


def _asked_at(state: Publication, expected_version: int | None) -> Asked | None:
    """A publish decided again on embargo's answer keeps the version it was sent with: it holds
    if what goes public is what was asked for then."""
    if expected_version is None or expected_version == state.version:
        return None
    asked = next((a for a in state.asked if a.version == expected_version), None)
    if asked is None:
        require_version(state, expected_version)
    return asked


def _withdraw(
    command: WithdrawRelease, state: Publication, now: datetime
) -> list[PublicationEvents]:
    require_role(command.actor, PRESS_OFFICE, "withdraw a release")
    require_lead_organisation(state, command.actor, "withdraw a release")
    require_version(state, command.expected_version)
    edition = require_public(state)
    return [
        ReleaseWithdrawn(
            release_id=command.release_id, edition=edition.number,
            explanation=command.explanation, withdrawn_at=now, withdrawn_by=command.actor.id,
        )
    ]  # fmt: skip


def _unpublish(
    command: UnpublishRelease, state: Publication, now: datetime
) -> list[PublicationEvents]:
    require_role(command.actor, MANAGING_EDITOR, "unpublish a release")
    require_lead_organisation(state, command.actor, "unpublish a release")
    require_version(state, command.expected_version)
    edition = require_public(state, allow_withdrawn=True)
    require_redirect_rule(command.unpublish_type, command.redirect_url)
    return [
        ReleaseUnpublished(
            release_id=command.release_id, edition=edition.number,
            unpublish_type=command.unpublish_type, redirect_url=command.redirect_url or None,
            unpublished_at=now, unpublished_by=command.actor.id,
        )
    ]  # fmt: skip


def _publish_on_lift(
    command: PublishOnLift, state: Publication, now: datetime
) -> list[PublicationEvents]:
    """A retry by hand or by a policy: refused with the reason if it still cannot go public."""
    require_system(command.actor, "publish at an embargo's lift")
    if not state.publish_at_lift:
        return []
    return [next_edition(state, command.release_id, None, "", SYSTEM_ACTOR.id, now)]


def _noted(noted: PublicationEvents | None) -> list[PublicationEvents]:
    return [] if noted is None else [noted]


def _then_publish_if_lifted(
    state: Publication, noted: PublicationEvents | None, now: datetime
) -> list[PublicationEvents]:
    """After `noted`: a lifted release that was waiting goes public now, if it can."""
    if noted is None:
        return []
    after = evolve(state, noted)
    if not after.publish_at_lift:
        return [noted]
    try:
        published = next_edition(after, noted.release_id, None, "", SYSTEM_ACTOR.id, now)
    except Rejection:
        return [noted]  # no approval or content yet: the note that brings it publishes
    return [noted, published]
