"""The publication part of the example story: revision 3 of the UK-Japan release published at the
lift of its embargo, corrected as edition 2, delivered to a newswire, then withdrawn; a visit
notice unpublished with a redirect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from events import drafting, publication, subscribers
from events.actor import Actor
from events.base import Message
from events.content import content_hash
from events.envelope import deterministic_id
from events.schemas.examples_embargo import (
    EDITOR,
    HASH_READOUT,
    LIFT_AT,
    LIFTED_AT,
    NOTICE_ID,
    READOUT_ID,
)
from events.schemas.examples_story import PRESS_OFFICER, RELEASE_ID, REVISED, WRITER

SYSTEM = Actor(id="pressroom-publication", roles=["system"])
DRAFTING_SYSTEM = Actor(id="pressroom-drafting", roles=["system"])
REVISION_3 = REVISED.model_copy(update={"summary": "Talks in Tokyo on 8 January."})
REVISION_4 = REVISION_3.model_copy(update={"body": REVISION_3.body + " (Corrected date.)"})
HASH_3, HASH_4 = content_hash(REVISION_3), content_hash(REVISION_4)
SLUG = "foreign-secretary-visits-japan-to-strengthen-security-cooperation"
CORRECTED_AT = LIFTED_AT + timedelta(hours=3)
FIRST = publication.ChangeNote(edition=1, note="First published.", public_timestamp=LIFTED_AT)
NOTE_4 = "Corrected the date of the talks."
SECOND = publication.ChangeNote(edition=2, note=NOTE_4, public_timestamp=CORRECTED_AT)
EXPLANATION = "Superseded by the joint statement of 9 January."
WEBHOOK = "reuters-webhook"
NEWSDESK = "newsdesk-email"
IDS = [deterministic_id("example-publication", str(n)) for n in range(1, 20)]
CONTENT, APPROVE, EMBARGO, LIFT, CORRECT, NOTED, PUBLISH, WITHDRAW = IDS[:8]
UNPUBLISH, INVALIDATE, CANCEL, RETRY, RETRY_1, RETRY_2, RETRY_3 = IDS[8:15]
REGISTER, REMOVE, REDELIVER, ASK = IDS[15:19]
HELD, CLEARED = (deterministic_id("example-publication", name) for name in ("held", "cleared"))
CLEARED_AT = datetime(2016, 1, 10, 9, 30, tzinfo=UTC)
DELIVERY = deterministic_id(LIFT, WEBHOOK)
GAVE_UP = "gave up after 5 attempts; last: SMTPConnectError: connection refused"
WEBHOOK_SECRET = "whsec_example-only-never-use-this-secret"
# What the gateway sends instead: the secret sealed with the deployment's key (a Fernet token).
SEALED_WEBHOOK_SECRET = "gAAAAABexample-sealed-webhook-secret-not-a-real-token-0123456789=="


def _published(edition: int, note: str, history: list[publication.ChangeNote], by: str) -> Message:
    first = edition == 1
    return publication.ReleasePublished(
        release_id=RELEASE_ID, edition=edition, update_type="major", change_note=note, slug=SLUG,
        revision=2 + edition, content_hash=HASH_3 if first else HASH_4,
        content=REVISION_3 if first else REVISION_4, first_published_at=LIFTED_AT,
        public_updated_at=LIFTED_AT if first else CORRECTED_AT, change_history=history,
        published_by=by,
    )  # fmt: skip


def _delivery(kind: type[publication.DeliveryEvent], **fields: Any) -> Message:
    which = {
        "release_id": RELEASE_ID, "subscriber_id": WEBHOOK, "edition": 1, "notice": "published",
        "delivery_id": DELIVERY,
    }  # fmt: skip
    return kind(**{**which, **fields})


def _attempt(attempt: int, succeeded: bool, detail: str) -> Message:
    return publication.RecordDeliveryAttempt(
        release_id=RELEASE_ID, actor=SYSTEM, subscriber_id=WEBHOOK, edition=1,
        notice="published", delivery_id=DELIVERY, attempt=attempt, round_attempt=attempt,
        max_attempts=5, succeeded=succeeded, detail=detail,
    )  # fmt: skip


_NOTES: list[tuple[Message, str, int | None]] = [
    (
        publication.NoteRevisionContent(
            release_id=RELEASE_ID, actor=SYSTEM, revision=3, content_hash=HASH_3, content=REVISION_3
        ),
        CONTENT,
        None,
    ),
    (
        publication.RevisionContentNoted(
            release_id=RELEASE_ID, revision=3, content_hash=HASH_3, content=REVISION_3
        ),
        CONTENT,
        1,
    ),
    (publication.NoteEmbargo(release_id=RELEASE_ID, actor=SYSTEM, lift_at=LIFT_AT), EMBARGO, None),
    (publication.EmbargoNoted(release_id=RELEASE_ID, lift_at=LIFT_AT), EMBARGO, 2),
    (
        publication.NoteApproval(
            release_id=RELEASE_ID, actor=SYSTEM, revision=3, content_hash=HASH_3
        ),
        APPROVE,
        None,
    ),
    (
        publication.ApprovedRevisionNoted(release_id=RELEASE_ID, revision=3, content_hash=HASH_3),
        APPROVE,
        3,
    ),
    (
        publication.NoteEmbargoLifted(
            release_id=RELEASE_ID,
            actor=SYSTEM,
            revision=3,
            content_hash=HASH_3,
            lifted_at=LIFTED_AT,
        ),
        LIFT,
        None,
    ),
    (
        publication.EmbargoLiftNoted(
            release_id=RELEASE_ID, revision=3, content_hash=HASH_3, lifted_at=LIFTED_AT
        ),
        LIFT,
        4,
    ),
    # Published at the lift by publication itself, in the same transaction as the lift note.
    (_published(1, "First published.", [FIRST], SYSTEM.id), LIFT, 5),
    # Told to a newswire's webhook: the first attempt fails, the second gets through.
    (_attempt(1, succeeded=False, detail="HTTP 503: busy"), RETRY_1, None),
    (
        _delivery(publication.DeliveryAttempted, attempt=1, succeeded=False, detail="HTTP 503"),
        RETRY_1,
        6,
    ),
    (_attempt(2, succeeded=True, detail="HTTP 200"), RETRY_2, None),
    (
        _delivery(publication.DeliveryAttempted, attempt=2, succeeded=True, detail="HTTP 200"),
        RETRY_2,
        7,
    ),
    (_delivery(publication.DeliverySucceeded, attempt=2), RETRY_2, 8),
    # An email subscriber's server never answered: the round gave up, visibly.
    (
        publication.RecordDeliveryAttempt(
            release_id=RELEASE_ID,
            actor=SYSTEM,
            subscriber_id=NEWSDESK,
            edition=1,
            notice="published",
            delivery_id=deterministic_id(LIFT, NEWSDESK),
            attempt=5,
            round_attempt=5,
            max_attempts=5,
            succeeded=False,
            detail="SMTPConnectError: connection refused",
        ),
        RETRY_3,
        None,
    ),
    (
        _delivery(
            publication.DeliveryFailed,
            subscriber_id=NEWSDESK,
            reason=GAVE_UP,
            attempts=5,
            delivery_id=deterministic_id(LIFT, NEWSDESK),
        ),
        RETRY_3,
        9,
    ),
]

_CORRECTION: list[tuple[Message, str, int | None]] = [
    (
        drafting.NotePublished(release_id=RELEASE_ID, actor=DRAFTING_SYSTEM, edition=1, revision=3),
        NOTED,
        None,
    ),
    (drafting.PublicationNoted(release_id=RELEASE_ID, edition=1, revision=3), NOTED, 8),
    (
        drafting.StartCorrection(release_id=RELEASE_ID, actor=WRITER, expected_version=8),
        CORRECT,
        None,
    ),
    (
        drafting.CorrectionStarted(
            release_id=RELEASE_ID, edition_being_corrected=1, revision=3, started_by=WRITER.id
        ),
        CORRECT,
        9,
    ),
    (
        publication.NoteApprovalWithdrawn(
            release_id=RELEASE_ID, actor=SYSTEM, revision=3, content_hash=HASH_3, new_revision=4
        ),
        INVALIDATE,
        None,
    ),
    (
        publication.ApprovalWithdrawnNoted(
            release_id=RELEASE_ID, revision=3, content_hash=HASH_3, new_revision=4
        ),
        INVALIDATE,
        10,
    ),
    (
        publication.PublishRelease(
            release_id=RELEASE_ID, actor=PRESS_OFFICER, update_type="major", change_note=NOTE_4
        ),
        PUBLISH,
        None,
    ),
    (_published(2, NOTE_4, [FIRST, SECOND], PRESS_OFFICER.id), PUBLISH, 11),
    (publication.PublishOnLift(release_id=RELEASE_ID, actor=SYSTEM), RETRY, None),
    (
        publication.WithdrawRelease(
            release_id=RELEASE_ID, actor=PRESS_OFFICER, explanation=EXPLANATION
        ),
        WITHDRAW,
        None,
    ),
    (
        publication.ReleaseWithdrawn(
            release_id=RELEASE_ID,
            edition=2,
            explanation=EXPLANATION,
            withdrawn_at=CORRECTED_AT + timedelta(days=1),
            withdrawn_by=PRESS_OFFICER.id,
        ),
        WITHDRAW,
        12,
    ),
    (publication.NoteEmbargoCancelled(release_id=NOTICE_ID, actor=SYSTEM), CANCEL, None),
    (publication.EmbargoCancellationNoted(release_id=NOTICE_ID), CANCEL, 2),
    (
        publication.UnpublishRelease(
            release_id=NOTICE_ID,
            actor=EDITOR,
            unpublish_type="redirect",
            redirect_url=f"https://www.gov.uk/government/news/{SLUG}",
        ),
        UNPUBLISH,
        None,
    ),
    (
        publication.ReleaseUnpublished(
            release_id=NOTICE_ID,
            edition=1,
            unpublish_type="redirect",
            redirect_url=f"https://www.gov.uk/government/news/{SLUG}",
            unpublished_at=CORRECTED_AT,
            unpublished_by=EDITOR.id,
        ),
        UNPUBLISH,
        4,
    ),
]

# A newswire's webhook and a newsdesk's inbox subscribe; the inbox is removed; a redelivery.
_SUBSCRIBERS: list[tuple[Message, str, int | None]] = [
    (  # v1, as an old producer sent it: the secret in clear (read as v2 without it, refused)
        subscribers.RegisterSubscriberV1(
            subscriber_id=WEBHOOK,
            actor=PRESS_OFFICER,
            name="Newswire webhook",
            channel="webhook",
            url="https://newswire.example/pressroom/hook",
            secret=WEBHOOK_SECRET,
            filters=subscribers.SubscriberFilters(organisations=["fcdo"]),
        ),
        REGISTER,
        None,
    ),
    (
        subscribers.RegisterSubscriber(
            subscriber_id=WEBHOOK,
            actor=PRESS_OFFICER,
            name="Newswire webhook",
            channel="webhook",
            url="https://newswire.example/pressroom/hook",
            sealed_secret=SEALED_WEBHOOK_SECRET,
            secret_fingerprint="3f2a9c1e5b7d4a60",
            filters=subscribers.SubscriberFilters(organisations=["fcdo"]),
        ),
        REGISTER,
        None,
    ),
    (
        subscribers.SubscriberRegistered(
            subscriber_id=WEBHOOK,
            name="Newswire webhook",
            channel="webhook",
            url="https://newswire.example/pressroom/hook",
            email=None,
            filters=subscribers.SubscriberFilters(organisations=["fcdo"]),
            secret_fingerprint="3f2a9c1e5b7d4a60",
            registered_by=PRESS_OFFICER.id,
        ),
        REGISTER,
        1,
    ),
    (
        subscribers.RequestRedelivery(
            subscriber_id=WEBHOOK, actor=PRESS_OFFICER, release_id=RELEASE_ID
        ),
        REDELIVER,
        None,
    ),
    (
        subscribers.RedeliveryRequested(
            subscriber_id=WEBHOOK, release_id=RELEASE_ID, requested_by=PRESS_OFFICER.id
        ),
        REDELIVER,
        2,
    ),
    (subscribers.RemoveSubscriber(subscriber_id=NEWSDESK, actor=PRESS_OFFICER), REMOVE, None),
    (subscribers.SubscriberRemoved(subscriber_id=NEWSDESK, removed_by=PRESS_OFFICER.id), REMOVE, 2),
]

# A first edition published by hand asks embargo first; its PublishRelease is answered once
# embargo's word is in: refused under an embargo (held), published when cleared. (Listed before
# the correction, whose PublishRelease is the one the documents show.)
_ASKED: list[tuple[Message, str, int | None]] = [
    (publication.PublishRelease(release_id=READOUT_ID, actor=PRESS_OFFICER), ASK, None),
    (
        publication.PublicationRequested(
            release_id=READOUT_ID,
            revision=1,
            content_hash=HASH_READOUT,
            requested_by=PRESS_OFFICER.id,
        ),
        ASK,
        3,
    ),
    (
        publication.NotePublicationHeld(release_id=RELEASE_ID, actor=SYSTEM, lift_at=LIFT_AT),
        HELD,
        None,
    ),
    (
        publication.NotePublicationCleared(
            release_id=READOUT_ID,
            actor=SYSTEM,
            revision=1,
            content_hash=HASH_READOUT,
            cleared_at=CLEARED_AT,
        ),
        CLEARED,
        None,
    ),
    (
        publication.PublicationClearanceNoted(
            release_id=READOUT_ID, revision=1, content_hash=HASH_READOUT, cleared_at=CLEARED_AT
        ),
        CLEARED,
        4,
    ),
]

PUBLICATION_STORY: list[tuple[Message, str, int | None]] = [
    *_NOTES, *_ASKED, *_CORRECTION, *_SUBSCRIBERS,
]  # fmt: skip

__all__ = ["PUBLICATION_STORY"]
