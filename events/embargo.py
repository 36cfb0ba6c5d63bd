"""Embargo: owns time. When embargoed copies go to named journalists, and when a release lifts."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

from events.actor import Actor
from events.base import Command, Event
from events.content import Identifier
from events.text import PlannedTime, XmlText, to_utc

# Invariant 10: an offset is required (a naive time is refused: "Input should have timezone
# info"), and whatever offset was sent, the instant is kept in UTC.
UtcTime = Annotated[AwareDatetime, AfterValidator(to_utc)]
Revision = Annotated[int, Field(ge=1)]
ContentHash = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), XmlText
]
OptionalReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), XmlText]
StreamVersion = Annotated[int, Field(ge=0)]
# Accredited journalists, by principal id. Duplicates are dropped in order by decide.
Recipients = Annotated[list[Identifier], Field(max_length=500)]


class EmbargoCommand(Command):
    service: ClassVar[str] = "embargo"
    actor: Actor


class EmbargoTerms(EmbargoCommand):
    """What a press officer decides: when the release lifts, who gets copies before, from when."""

    lift_at: PlannedTime
    recipients: Recipients = []
    pre_release_at: PlannedTime | None = None
    expected_version: StreamVersion | None = None


class SetEmbargo(EmbargoTerms):
    """No recipients makes it a schedule; no pre_release_at sends copies as soon as approved."""

    type: Literal["SetEmbargo"] = "SetEmbargo"
    version: Literal[1] = 1


class ChangeEmbargo(EmbargoTerms):
    """Replaces lift_at, recipients and pre_release_at of the current embargo as a whole."""

    type: Literal["ChangeEmbargo"] = "ChangeEmbargo"
    version: Literal[1] = 1


class CancelEmbargo(EmbargoCommand):
    type: Literal["CancelEmbargo"] = "CancelEmbargo"
    version: Literal[1] = 1
    reason: OptionalReason = ""
    expected_version: StreamVersion | None = None


class LiftEmbargoEarly(EmbargoCommand):
    type: Literal["LiftEmbargoEarly"] = "LiftEmbargoEarly"
    version: Literal[1] = 1
    reason: Reason
    expected_version: StreamVersion | None = None


class NoteApproval(EmbargoCommand):
    """Sent by embargo's own policy on ReleaseApproved or ReleaseForceApproved."""

    type: Literal["NoteApproval"] = "NoteApproval"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash


class NoteApprovalWithdrawn(EmbargoCommand):
    """Sent by embargo's own policy on ApprovalInvalidated: a later revision exists."""

    type: Literal["NoteApprovalWithdrawn"] = "NoteApprovalWithdrawn"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    new_revision: Revision


class IssueEmbargoedCopies(EmbargoCommand):
    """Sent by embargo's scheduler at the pre-release time it was armed for."""

    type: Literal["IssueEmbargoedCopies"] = "IssueEmbargoedCopies"
    version: Literal[1] = 1
    scheduled_pre_release_at: UtcTime


class LiftEmbargo(EmbargoCommand):
    """Sent by embargo's scheduler; a lift armed for a time that is no longer current is ignored."""

    type: Literal["LiftEmbargo"] = "LiftEmbargo"
    version: Literal[1] = 1
    scheduled_lift_at: UtcTime


class ClearPublication(EmbargoCommand):
    """Sent by embargo's own policy on publication's PublicationRequested: may this release go
    public now? Decided on embargo's stream, so it and a SetEmbargo are never both accepted."""

    type: Literal["ClearPublication"] = "ClearPublication"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    requested_by: Identifier


class EmbargoEvent(Event):
    service: ClassVar[str] = "embargo"


class EmbargoSet(EmbargoEvent):
    type: Literal["EmbargoSet"] = "EmbargoSet"
    version: Literal[1] = 1
    lift_at: UtcTime
    recipients: list[Identifier]
    pre_release_at: UtcTime | None
    set_by: Identifier


class EmbargoChanged(EmbargoEvent):
    """The whole new embargo: recipients left out of `recipients` may no longer read copies."""

    type: Literal["EmbargoChanged"] = "EmbargoChanged"
    version: Literal[1] = 1
    lift_at: UtcTime
    recipients: list[Identifier]
    pre_release_at: UtcTime | None
    previous_lift_at: UtcTime
    changed_by: Identifier


class EmbargoCancelled(EmbargoEvent):
    """No embargo any more: the release may be published at once; issued copies are void."""

    type: Literal["EmbargoCancelled"] = "EmbargoCancelled"
    version: Literal[1] = 1
    lift_at: UtcTime
    cancelled_by: Identifier
    reason: OptionalReason = ""


class ApprovedRevisionNoted(EmbargoEvent):
    type: Literal["ApprovedRevisionNoted"] = "ApprovedRevisionNoted"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash


class ApprovalWithdrawnNoted(EmbargoEvent):
    type: Literal["ApprovalWithdrawnNoted"] = "ApprovalWithdrawnNoted"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    new_revision: Revision


class EmbargoedCopyIssued(EmbargoEvent):
    """Exactly the approved revision for one recipient; the read side fetches its content."""

    type: Literal["EmbargoedCopyIssued"] = "EmbargoedCopyIssued"
    version: Literal[1] = 1
    recipient: Identifier
    revision: Revision
    content_hash: ContentHash
    lift_at: UtcTime


class EmbargoLiftDeferred(EmbargoEvent):
    """The lift time came while no revision was approved: it lifts as soon as one is."""

    type: Literal["EmbargoLiftDeferred"] = "EmbargoLiftDeferred"
    version: Literal[1] = 1
    lift_at: UtcTime
    deferred_at: UtcTime


class EmbargoLifted(EmbargoEvent):
    """Public from now on; `revision` and `content_hash` name what was approved when it lifted."""

    type: Literal["EmbargoLifted"] = "EmbargoLifted"
    version: Literal[1] = 1
    lift_at: UtcTime
    lifted_at: UtcTime
    lateness_ms: Annotated[int, Field(ge=0)]
    revision: Revision
    content_hash: ContentHash


class EmbargoLiftedEarly(EmbargoEvent):
    type: Literal["EmbargoLiftedEarly"] = "EmbargoLiftedEarly"
    version: Literal[1] = 1
    lift_at: UtcTime
    reason: Reason
    lifted_by: Identifier
    lifted_at: UtcTime
    revision: Revision
    content_hash: ContentHash


class PublicationCleared(EmbargoEvent):
    """No embargo holds the release: it may go public now, and it is never embargoed again."""

    type: Literal["PublicationCleared"] = "PublicationCleared"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    requested_by: Identifier
    cleared_at: UtcTime


class PublicationHeld(EmbargoEvent):
    """A publication asked for under an active embargo: refused, it goes public at the lift."""

    type: Literal["PublicationHeld"] = "PublicationHeld"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    requested_by: Identifier
    lift_at: UtcTime


EmbargoCommands = (
    SetEmbargo
    | ChangeEmbargo
    | CancelEmbargo
    | LiftEmbargoEarly
    | NoteApproval
    | NoteApprovalWithdrawn
    | IssueEmbargoedCopies
    | LiftEmbargo
    | ClearPublication
)
EmbargoEvents = (
    EmbargoSet
    | EmbargoChanged
    | EmbargoCancelled
    | ApprovedRevisionNoted
    | ApprovalWithdrawnNoted
    | EmbargoedCopyIssued
    | EmbargoLiftDeferred
    | EmbargoLifted
    | EmbargoLiftedEarly
    | PublicationCleared
    | PublicationHeld
)
