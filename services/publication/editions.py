"""The next public edition: its number, update type, change note, times, history and slug."""

from __future__ import annotations

from datetime import datetime

from events.publication import ChangeNote, ReleasePublished, UpdateType
from events.slugs import slug_for
from services.publication.rules import (
    FIRST_PUBLISHED,
    InvalidPublication,
    Publication,
    require_publishable,
)


def next_edition(
    state: Publication,
    release_id: str,
    update_type: UpdateType | None,
    change_note: str,
    published_by: str,
    now: datetime,
) -> ReleasePublished:
    """Edition n + 1 of exactly the approved revision, or a Rejection saying why not."""
    snapshot = require_publishable(state)
    update_type, change_note = _edition_terms(state, update_type, change_note)
    current, number = state.current, 1 if state.current is None else state.current.number + 1
    major = update_type == "major"
    history = list(state.change_history)
    if major:  # a minor update is silent: no line in the public history, no new "updated at"
        history.append(ChangeNote(edition=number, note=change_note, public_timestamp=now))
    return ReleasePublished(
        release_id=release_id,
        edition=number,
        update_type=update_type,
        change_note=change_note,
        # Chosen once, at the first edition: a corrected title never breaks a public link.
        slug=current.slug if current else slug_for(snapshot.content.title, release_id),
        revision=snapshot.revision,
        content_hash=snapshot.content_hash,
        content=snapshot.content,
        first_published_at=current.first_published_at if current else now,
        public_updated_at=now if major or current is None else current.public_updated_at,
        change_history=history,
        published_by=published_by,
    )


def _edition_terms(
    state: Publication, update_type: UpdateType | None, change_note: str
) -> tuple[UpdateType, str]:
    if state.current is None:
        if update_type == "minor":
            raise InvalidPublication("the first edition is news, so it is major")
        return "major", change_note or FIRST_PUBLISHED
    if update_type is None:
        raise InvalidPublication("a correction is a major or a minor update: say which")
    if update_type == "major" and not change_note:
        raise InvalidPublication("a major update tells the public what changed: add a change note")
    if update_type == "minor" and change_note:
        raise InvalidPublication("a minor update is silent: leave the change note out")
    return update_type, change_note
