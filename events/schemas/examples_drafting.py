"""The drafting part of the example story: the UK-Japan release created, revised and
submitted; a second draft discarded; and the outcome of the submission."""

from __future__ import annotations

from events import drafting
from events.base import Message
from events.content import content_hash
from events.envelope import deterministic_id
from events.replies import CommandOutcome, OutcomeStatus
from events.schemas.examples_story import (
    CHANGES,
    CONTENT,
    CREATE,
    DISCARD,
    DISCARDED_ID,
    PRESS_OFFICER,
    RELEASE_ID,
    REVISE,
    REVISED,
    SUBMIT,
    WRITER,
)

# (message, command id, stream version or None for commands and replies)
DRAFTING_STORY: list[tuple[Message, str, int | None]] = [
    (drafting.CreateDraft(release_id=RELEASE_ID, actor=WRITER, content=CONTENT), CREATE, None),
    (
        drafting.DraftCreated(
            release_id=RELEASE_ID,
            revision=1,
            content=CONTENT,
            content_hash=content_hash(CONTENT),
            created_by=WRITER.id,
            organisation="fco",
        ),
        CREATE,
        1,
    ),
    (
        drafting.ReviseDraft(
            release_id=RELEASE_ID, actor=WRITER, expected_version=1, changes=CHANGES
        ),
        REVISE,
        None,
    ),
    (
        drafting.DraftRevisedV1(
            release_id=RELEASE_ID, revision=2, content=REVISED, revised_by=WRITER.id
        ),
        REVISE,
        2,
    ),
    (
        drafting.DraftRevised(
            release_id=RELEASE_ID,
            revision=2,
            content=REVISED,
            content_hash=content_hash(REVISED),
            changed_fields=["topics"],
            revised_by=WRITER.id,
        ),
        REVISE,
        2,
    ),
    (drafting.SubmitDraft(release_id=RELEASE_ID, actor=WRITER, expected_version=2), SUBMIT, None),
    (
        drafting.DraftSubmittedV1(
            release_id=RELEASE_ID,
            revision=2,
            content_hash=content_hash(REVISED),
            submitted_by=WRITER.id,
            organisation="fco",
        ),
        SUBMIT,
        3,
    ),
    (
        drafting.DraftSubmitted(
            release_id=RELEASE_ID,
            revision=2,
            content_hash=content_hash(REVISED),
            submitted_by=WRITER.id,
            organisation="fco",
            authors=[WRITER.id],
        ),
        SUBMIT,
        3,
    ),
    (
        drafting.DiscardDraft(
            release_id=DISCARDED_ID, actor=PRESS_OFFICER, reason="Duplicate of the first draft."
        ),
        DISCARD,
        None,
    ),
    (
        drafting.DraftDiscarded(
            release_id=DISCARDED_ID,
            discarded_by=PRESS_OFFICER.id,
            reason="Duplicate of the first draft.",
        ),
        DISCARD,
        2,
    ),
    (
        CommandOutcome(
            command_id=SUBMIT,
            command_type=drafting.SubmitDraft.ce_type(),
            release_id=RELEASE_ID,
            status=OutcomeStatus.ACCEPTED,
            stream_version=3,
            events=[deterministic_id(SUBMIT, "3")],
        ),
        SUBMIT,
        None,
    ),
]
