"""The embargo part of the example story: the UK-Japan release embargoed until 00:01 on 9 January,
copies to two journalists at 16:00, the lift deferred by a late revision, a press officer's
publish held back by it; a notice cancelled, a statement lifted early, and a readout published by
hand with no embargo in force (cleared: never embargoed afterwards)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from events import embargo
from events.actor import Actor
from events.base import Message
from events.content import content_hash
from events.envelope import deterministic_id
from events.schemas.examples_story import PRESS_OFFICER, RELEASE_ID, REVISED

HASH_2 = content_hash(REVISED)
HASH_3 = content_hash(REVISED.model_copy(update={"summary": "Talks in Tokyo on 8 January."}))
NOTICE_ID = "2016-01-08-uk-japan-visit-notice"
STATEMENT_ID = "2016-01-08-uk-japan-joint-statement"
EDITOR = Actor(id="k.ahmed", roles=["managing-editor"], organisation="fco")
SYSTEM = Actor(id="pressroom-embargo", roles=["system"])
# 00:01 London time in January is 00:01 UTC; in Tokyo (the journalists' desk) it is 09:01.
LIFT_AT = datetime(2016, 1, 9, 0, 1, tzinfo=UTC)
LIFT_AT_IN_TOKYO = LIFT_AT.astimezone(timezone(timedelta(hours=9)))
PRE_RELEASE_AT = datetime(2016, 1, 8, 16, 0, tzinfo=UTC)
LIFTED_AT = LIFT_AT + timedelta(minutes=19)
RECIPIENTS = ["j.smith-reuters", "a.tanaka-nhk"]
SET, CHANGE, NOTE, ISSUE, WITHDRAW, LIFT, NOTE_AGAIN, CANCEL, EARLY, HOLD, CLEAR = (
    deterministic_id("example-embargo", str(n)) for n in range(1, 12)
)
READOUT_ID = "2016-01-10-uk-japan-readout"
HASH_READOUT = content_hash(REVISED.model_copy(update={"title": "Readout of the talks in Tokyo"}))
EARLY_REASON = "The Prime Minister announced it in Tokyo at 11:00."

_MAIN: list[tuple[Message, str, int | None]] = [
    (
        embargo.SetEmbargo(
            release_id=RELEASE_ID,
            actor=PRESS_OFFICER,
            lift_at=LIFT_AT_IN_TOKYO,  # any offset is accepted; the instant is kept in UTC
            recipients=RECIPIENTS[:1],
            pre_release_at=PRE_RELEASE_AT,
        ),
        SET,
        None,
    ),
    (
        embargo.EmbargoSet(
            release_id=RELEASE_ID,
            lift_at=LIFT_AT,
            recipients=RECIPIENTS[:1],
            pre_release_at=PRE_RELEASE_AT,
            set_by=PRESS_OFFICER.id,
        ),
        SET,
        1,
    ),
    (
        embargo.ChangeEmbargo(
            release_id=RELEASE_ID,
            actor=PRESS_OFFICER,
            lift_at=LIFT_AT,
            recipients=RECIPIENTS,
            pre_release_at=PRE_RELEASE_AT,
            expected_version=1,
        ),
        CHANGE,
        None,
    ),
    (
        embargo.EmbargoChanged(
            release_id=RELEASE_ID,
            lift_at=LIFT_AT,
            recipients=RECIPIENTS,
            pre_release_at=PRE_RELEASE_AT,
            previous_lift_at=LIFT_AT,
            changed_by=PRESS_OFFICER.id,
        ),
        CHANGE,
        2,
    ),
    (
        embargo.NoteApproval(release_id=RELEASE_ID, actor=SYSTEM, revision=2, content_hash=HASH_2),
        NOTE,
        None,
    ),
    (
        embargo.ApprovedRevisionNoted(release_id=RELEASE_ID, revision=2, content_hash=HASH_2),
        NOTE,
        3,
    ),
    (
        embargo.IssueEmbargoedCopies(
            release_id=RELEASE_ID, actor=SYSTEM, scheduled_pre_release_at=PRE_RELEASE_AT
        ),
        ISSUE,
        None,
    ),
    (
        embargo.EmbargoedCopyIssued(
            release_id=RELEASE_ID,
            recipient=RECIPIENTS[1],
            revision=2,
            content_hash=HASH_2,
            lift_at=LIFT_AT,
        ),
        ISSUE,
        5,
    ),
    (
        embargo.NoteApprovalWithdrawn(
            release_id=RELEASE_ID, actor=SYSTEM, revision=2, content_hash=HASH_2, new_revision=3
        ),
        WITHDRAW,
        None,
    ),
    (
        embargo.ApprovalWithdrawnNoted(
            release_id=RELEASE_ID, revision=2, content_hash=HASH_2, new_revision=3
        ),
        WITHDRAW,
        6,
    ),
    (
        embargo.LiftEmbargo(release_id=RELEASE_ID, actor=SYSTEM, scheduled_lift_at=LIFT_AT),
        LIFT,
        None,
    ),
    (
        embargo.EmbargoLiftDeferred(release_id=RELEASE_ID, lift_at=LIFT_AT, deferred_at=LIFT_AT),
        LIFT,
        7,
    ),
]

_LATER: list[tuple[Message, str, int | None]] = [
    (
        # Revision 3 approved after the lift time: noted, and the deferred lift happens now.
        embargo.NoteApproval(release_id=RELEASE_ID, actor=SYSTEM, revision=3, content_hash=HASH_3),
        NOTE_AGAIN,
        None,
    ),
    (
        embargo.EmbargoLifted(
            release_id=RELEASE_ID,
            lift_at=LIFT_AT,
            lifted_at=LIFTED_AT,
            lateness_ms=19 * 60 * 1000,
            revision=3,
            content_hash=HASH_3,
        ),
        NOTE_AGAIN,
        9,
    ),
    (
        embargo.CancelEmbargo(
            release_id=NOTICE_ID, actor=PRESS_OFFICER, reason="The visit was postponed."
        ),
        CANCEL,
        None,
    ),
    (
        embargo.EmbargoCancelled(
            release_id=NOTICE_ID,
            lift_at=LIFT_AT,
            cancelled_by=PRESS_OFFICER.id,
            reason="The visit was postponed.",
        ),
        CANCEL,
        2,
    ),
    (
        embargo.LiftEmbargoEarly(release_id=STATEMENT_ID, actor=EDITOR, reason=EARLY_REASON),
        EARLY,
        None,
    ),
    (
        embargo.EmbargoLiftedEarly(
            release_id=STATEMENT_ID,
            lift_at=LIFT_AT,
            reason=EARLY_REASON,
            lifted_by=EDITOR.id,
            lifted_at=datetime(2016, 1, 8, 2, 0, tzinfo=UTC),
            revision=1,
            content_hash=HASH_2,
        ),
        EARLY,
        3,
    ),
]

# Publication asks before a first edition goes public by hand (docs/publication.md).
_CLEARANCE: list[tuple[Message, str, int | None]] = [
    (
        embargo.ClearPublication(
            release_id=RELEASE_ID,
            actor=SYSTEM,
            revision=2,
            content_hash=HASH_2,
            requested_by=PRESS_OFFICER.id,
        ),
        HOLD,
        None,
    ),
    (
        embargo.PublicationHeld(
            release_id=RELEASE_ID,
            revision=2,
            content_hash=HASH_2,
            requested_by=PRESS_OFFICER.id,
            lift_at=LIFT_AT,
        ),
        HOLD,
        4,
    ),
    (
        embargo.ClearPublication(
            release_id=READOUT_ID,
            actor=SYSTEM,
            revision=1,
            content_hash=HASH_READOUT,
            requested_by=PRESS_OFFICER.id,
        ),
        CLEAR,
        None,
    ),
    (
        embargo.PublicationCleared(
            release_id=READOUT_ID,
            revision=1,
            content_hash=HASH_READOUT,
            requested_by=PRESS_OFFICER.id,
            cleared_at=datetime(2016, 1, 10, 9, 30, tzinfo=UTC),
        ),
        CLEAR,
        2,
    ),
]

EMBARGO_STORY: list[tuple[Message, str, int | None]] = [*_MAIN, *_LATER, *_CLEARANCE]

__all__ = ["EMBARGO_STORY"]
