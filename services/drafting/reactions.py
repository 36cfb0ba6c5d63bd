"""Drafting's reactions to approval's and publication's events: pure functions from an event to
drafting's command."""

from __future__ import annotations

from events.actor import Actor
from events.approval import ReleaseRejected
from events.base import Message
from events.drafting import NotePublished, ReopenDraft
from events.envelope import Envelope
from events.publication import ReleasePublished

# Who reopens a rejected draft: drafting itself, on approval's word.
SYSTEM_ACTOR = Actor(id="pressroom-drafting", roles=["system"])


def reopen_draft(rejected: ReleaseRejected) -> ReopenDraft:
    """A rejected revision goes back to draft, with who rejected it at which stage and why."""
    return ReopenDraft(
        release_id=rejected.release_id,
        actor=SYSTEM_ACTOR,
        revision=rejected.revision,
        stage=rejected.stage,
        reason=rejected.reason,
        rejected_by=rejected.rejected_by,
    )


def reaction_to_approval(event: Envelope[Message]) -> Message | None:
    """The policy agent's reaction: only a rejection concerns drafting."""
    match event.data:
        case ReleaseRejected() as rejected:
            return reopen_draft(rejected)
        case _:
            return None


def note_published(published: ReleasePublished) -> NotePublished:
    """An edition is public: the draft holds until a correction reopens it."""
    return NotePublished(
        release_id=published.release_id,
        actor=SYSTEM_ACTOR,
        edition=published.edition,
        revision=published.revision,
    )


def reaction_to_publication(event: Envelope[Message]) -> Message | None:
    """The policy agent's reaction: only a new edition concerns drafting."""
    match event.data:
        case ReleasePublished() as published:
            return note_published(published)
        case _:
            return None
