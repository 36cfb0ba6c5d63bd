"""Publication: owns what the public sees (editions, withdrawal, unpublishing) and who was told."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from events.actor import Actor
from events.base import Command, Contract, Event
from events.content import Identifier, ReleaseContent
from events.embargo import ContentHash, OptionalReason, Reason, Revision, StreamVersion, UtcTime
from events.text import SingleLine

Edition = Annotated[int, Field(ge=1)]
UpdateType = Literal["major", "minor"]
UnpublishType = Literal["gone", "redirect", "vanish"]
# Checked by decide (https only), so a bad URL is a clear refusal rather than a parse error.
RedirectUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), SingleLine]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]


class ChangeNote(Contract):
    """One line of a release's public change history: a major edition and what changed."""

    edition: Edition
    note: Reason
    public_timestamp: UtcTime


class PublicationCommand(Command):
    service: ClassVar[str] = "publication"
    actor: Actor


class PublishRelease(PublicationCommand):
    """The approved revision goes public: edition 1, or the next edition of a correction."""

    type: Literal["PublishRelease"] = "PublishRelease"
    version: Literal[1] = 1
    update_type: UpdateType | None = None  # required from edition 2 on
    change_note: OptionalReason = ""
    expected_version: StreamVersion | None = None


class WithdrawRelease(PublicationCommand):
    type: Literal["WithdrawRelease"] = "WithdrawRelease"
    version: Literal[1] = 1
    explanation: Reason
    expected_version: StreamVersion | None = None


class UnpublishRelease(PublicationCommand):
    type: Literal["UnpublishRelease"] = "UnpublishRelease"
    version: Literal[1] = 1
    unpublish_type: UnpublishType  # `type` names the message, so the HTTP `type` maps here
    redirect_url: RedirectUrl | None = None
    expected_version: StreamVersion | None = None


class NoteApproval(PublicationCommand):
    """Sent by publication's own policy on ReleaseApproved or ReleaseForceApproved."""

    type: Literal["NoteApproval"] = "NoteApproval"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash


class NoteApprovalWithdrawn(PublicationCommand):
    """Sent by publication's own policy on ApprovalInvalidated: a later revision exists."""

    type: Literal["NoteApprovalWithdrawn"] = "NoteApprovalWithdrawn"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    new_revision: Revision


class NoteRevisionContent(PublicationCommand):
    """Sent on DraftSubmitted, with the content publication kept from the DraftCreated or
    DraftRevised that wrote it: the snapshot a later edition may carry."""

    type: Literal["NoteRevisionContent"] = "NoteRevisionContent"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    content: ReleaseContent


class NoteEmbargo(PublicationCommand):
    """Sent on EmbargoSet and EmbargoChanged: held until the lift, then published at once."""

    type: Literal["NoteEmbargo"] = "NoteEmbargo"
    version: Literal[1] = 1
    lift_at: UtcTime


class NoteEmbargoCancelled(PublicationCommand):
    type: Literal["NoteEmbargoCancelled"] = "NoteEmbargoCancelled"
    version: Literal[1] = 1


class NoteEmbargoLifted(PublicationCommand):
    """Sent on EmbargoLifted and EmbargoLiftedEarly, naming the revision embargo lifted."""

    type: Literal["NoteEmbargoLifted"] = "NoteEmbargoLifted"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    lifted_at: UtcTime


class NotePublicationCleared(PublicationCommand):
    """Sent on embargo's PublicationCleared: embargo's word that the release may go public now.
    A first edition waiting for it is then published (or refused) and answered."""

    type: Literal["NotePublicationCleared"] = "NotePublicationCleared"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    cleared_at: UtcTime


class NotePublicationHeld(PublicationCommand):
    """Sent on embargo's PublicationHeld: embargo's word that an embargo holds it until lift_at.
    A first edition waiting for it is then refused (under-embargo) and answered."""

    type: Literal["NotePublicationHeld"] = "NotePublicationHeld"
    version: Literal[1] = 1
    lift_at: UtcTime


class PublishOnLift(PublicationCommand):
    """Publishes a lifted release still waiting for its approval or its content; else nothing."""

    type: Literal["PublishOnLift"] = "PublishOnLift"
    version: Literal[1] = 1


class PublicationEvent(Event):
    service: ClassVar[str] = "publication"


class ReleasePublished(PublicationEvent):
    """One public edition: exactly the approved revision's content, with its hash."""

    type: Literal["ReleasePublished"] = "ReleasePublished"
    version: Literal[1] = 1
    edition: Edition
    update_type: UpdateType
    change_note: OptionalReason
    slug: Slug
    revision: Revision
    content_hash: ContentHash
    content: ReleaseContent
    first_published_at: UtcTime
    public_updated_at: UtcTime
    change_history: list[ChangeNote]
    published_by: Identifier


class ReleaseWithdrawn(PublicationEvent):
    """Still readable, under a notice that says why."""

    type: Literal["ReleaseWithdrawn"] = "ReleaseWithdrawn"
    version: Literal[1] = 1
    edition: Edition
    explanation: Reason
    withdrawn_at: UtcTime
    withdrawn_by: Identifier


class ReleaseUnpublished(PublicationEvent):
    """gone: 410 with a notice; redirect: 301 to redirect_url; vanish: 404 as if never public."""

    type: Literal["ReleaseUnpublished"] = "ReleaseUnpublished"
    version: Literal[1] = 1
    edition: Edition
    unpublish_type: UnpublishType
    redirect_url: RedirectUrl | None
    unpublished_at: UtcTime
    unpublished_by: Identifier


class ApprovedRevisionNoted(PublicationEvent):
    type: Literal["ApprovedRevisionNoted"] = "ApprovedRevisionNoted"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash


class ApprovalWithdrawnNoted(PublicationEvent):
    type: Literal["ApprovalWithdrawnNoted"] = "ApprovalWithdrawnNoted"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    new_revision: Revision


class RevisionContentNoted(PublicationEvent):
    type: Literal["RevisionContentNoted"] = "RevisionContentNoted"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    content: ReleaseContent


class EmbargoNoted(PublicationEvent):
    type: Literal["EmbargoNoted"] = "EmbargoNoted"
    version: Literal[1] = 1
    lift_at: UtcTime


class EmbargoCancellationNoted(PublicationEvent):
    type: Literal["EmbargoCancellationNoted"] = "EmbargoCancellationNoted"
    version: Literal[1] = 1


class PublicationRequested(PublicationEvent):
    """A first edition was asked for and passed publication's rules; embargo decides whether it
    may go public now (PublicationCleared) or is held (PublicationHeld). Nothing is public yet."""

    type: Literal["PublicationRequested"] = "PublicationRequested"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    requested_by: Identifier


class PublicationClearanceNoted(PublicationEvent):
    """Embargo cleared the release: no embargo holds it, now or later."""

    type: Literal["PublicationClearanceNoted"] = "PublicationClearanceNoted"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    cleared_at: UtcTime


class EmbargoLiftNoted(PublicationEvent):
    type: Literal["EmbargoLiftNoted"] = "EmbargoLiftNoted"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    lifted_at: UtcTime


# What a delivery tells a subscriber: a new edition, a withdrawal, or an unpublishing.
Notice = Literal["published", "withdrawn", "unpublished"]
AttemptNumber = Annotated[int, Field(ge=1)]
# What went wrong (or right) with one attempt, for people: "HTTP 503", "connection refused".
AttemptDetail = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class RecordDeliveryAttempt(PublicationCommand):
    """Sent by publication's own delivery worker after each attempt to reach one subscriber."""

    type: Literal["RecordDeliveryAttempt"] = "RecordDeliveryAttempt"
    version: Literal[1] = 1
    subscriber_id: Identifier
    edition: Edition
    notice: Notice
    delivery_id: Identifier
    attempt: AttemptNumber  # counts every attempt of this delivery, redeliveries included
    round_attempt: AttemptNumber  # counts since the last (re)delivery request
    max_attempts: AttemptNumber  # the round gives up, with DeliveryFailed, after this many
    succeeded: bool
    detail: AttemptDetail = ""


class DeliveryEvent(PublicationEvent):
    """One notice to one subscriber; `delivery_id` is the same for every attempt of it, so a
    receiver deduplicates on it."""

    subscriber_id: Identifier
    edition: Edition
    notice: Notice
    delivery_id: Identifier


class DeliveryAttempted(DeliveryEvent):
    """Every attempt, whether it reached the subscriber or not, with what happened."""

    type: Literal["DeliveryAttempted"] = "DeliveryAttempted"
    version: Literal[1] = 1
    attempt: AttemptNumber
    succeeded: bool
    detail: AttemptDetail = ""


class DeliverySucceeded(DeliveryEvent):
    type: Literal["DeliverySucceeded"] = "DeliverySucceeded"
    version: Literal[1] = 1
    attempt: AttemptNumber


class DeliveryFailed(DeliveryEvent):
    """Retries are used up: visible to operators, never silent; the subscriber's later notices
    wait behind it (order is kept) until someone asks for a redelivery."""

    type: Literal["DeliveryFailed"] = "DeliveryFailed"
    version: Literal[1] = 1
    reason: Reason
    attempts: AttemptNumber


PublicationCommands = (
    PublishRelease
    | WithdrawRelease
    | UnpublishRelease
    | NoteApproval
    | NoteApprovalWithdrawn
    | NoteRevisionContent
    | NoteEmbargo
    | NoteEmbargoCancelled
    | NoteEmbargoLifted
    | NotePublicationCleared
    | NotePublicationHeld
    | PublishOnLift
    | RecordDeliveryAttempt
)
# The release's own stream: its editions, what publication heard, and who was told.
PublicationEvents = (
    ReleasePublished
    | ReleaseWithdrawn
    | ReleaseUnpublished
    | ApprovedRevisionNoted
    | ApprovalWithdrawnNoted
    | RevisionContentNoted
    | EmbargoNoted
    | EmbargoCancellationNoted
    | EmbargoLiftNoted
    | PublicationRequested
    | PublicationClearanceNoted
    | DeliveryAttempted
    | DeliverySucceeded
    | DeliveryFailed
)
DeliveryEvents = DeliveryAttempted | DeliverySucceeded | DeliveryFailed
