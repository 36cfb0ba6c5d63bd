"""Approval: owns the sign-off of one submitted revision, stage by stage, with four eyes."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from events.actor import Actor, Role
from events.base import Command, Contract, Event
from events.content import Identifier
from events.text import XmlText

StageName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
Revision = Annotated[int, Field(ge=1)]
ContentHash = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), XmlText
]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), XmlText]


class StagePlan(Contract):
    """One stage of a request, fixed when it is made: later policy edits never change it."""

    name: StageName
    roles: Annotated[list[Role], Field(min_length=1, max_length=10)]
    # Stages with the same step run in parallel; a stage opens when every earlier step is done.
    step: Annotated[int, Field(ge=0)]
    deadline_at: AwareDatetime | None = None


class ApprovalCommand(Command):
    service: ClassVar[str] = "approval"
    actor: Actor


class RequestApproval(ApprovalCommand):
    """Sent by approval's own policy on DraftSubmitted, with the stages its policy file gives."""

    type: Literal["RequestApproval"] = "RequestApproval"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    organisation: Identifier
    submitted_by: Identifier
    authors: Annotated[list[Identifier], Field(max_length=100)]
    stages: Annotated[list[StagePlan], Field(min_length=1, max_length=10)]
    policy: Annotated[str, StringConstraints(max_length=200)]
    one_person_may_fill_several_stages: bool = False


class InvalidateApproval(ApprovalCommand):
    """Sent by approval's own policy on DraftRevised: approvals never carry over."""

    type: Literal["InvalidateApproval"] = "InvalidateApproval"
    version: Literal[1] = 1
    new_revision: Revision
    new_content_hash: ContentHash


class ApproveStage(ApprovalCommand):
    type: Literal["ApproveStage"] = "ApproveStage"
    version: Literal[1] = 1
    stage: StageName
    # What the approver saw: any other revision or hash is refused as a conflict.
    revision: Revision
    content_hash: ContentHash
    comment: Comment = ""


class RejectRelease(ApprovalCommand):
    type: Literal["RejectRelease"] = "RejectRelease"
    version: Literal[1] = 1
    stage: StageName
    reason: Reason
    revision: Revision | None = None


class ForceApprove(ApprovalCommand):
    type: Literal["ForceApprove"] = "ForceApprove"
    version: Literal[1] = 1
    reason: Reason
    revision: Revision | None = None


class RetrospectivelyApprove(ApprovalCommand):
    type: Literal["RetrospectivelyApprove"] = "RetrospectivelyApprove"
    version: Literal[1] = 1
    comment: Comment = ""


class MarkOverdue(ApprovalCommand):
    """Sent by approval's deadline scheduler when a stage's deadline passes."""

    type: Literal["MarkOverdue"] = "MarkOverdue"
    version: Literal[1] = 1
    stage: StageName
    revision: Revision


class ApprovalEvent(Event):
    service: ClassVar[str] = "approval"


class ApprovalRequested(ApprovalEvent):
    type: Literal["ApprovalRequested"] = "ApprovalRequested"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    organisation: Identifier
    submitted_by: Identifier
    authors: list[Identifier]
    stages: list[StagePlan]
    policy: str
    one_person_may_fill_several_stages: bool


class StageApproved(ApprovalEvent):
    type: Literal["StageApproved"] = "StageApproved"
    version: Literal[1] = 1
    stage: StageName
    revision: Revision
    content_hash: ContentHash
    approver: Identifier
    comment: Comment = ""


class ReleaseApproved(ApprovalEvent):
    type: Literal["ReleaseApproved"] = "ReleaseApproved"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    approvers: list[Identifier]


class ReleaseRejected(ApprovalEvent):
    type: Literal["ReleaseRejected"] = "ReleaseRejected"
    version: Literal[1] = 1
    stage: StageName
    revision: Revision
    content_hash: ContentHash
    reason: Reason
    rejected_by: Identifier


class ApprovalInvalidated(ApprovalEvent):
    type: Literal["ApprovalInvalidated"] = "ApprovalInvalidated"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    new_revision: Revision
    was_approved: bool


class ReleaseForceApproved(ApprovalEvent):
    """Flagged until a different managing editor approves it retrospectively."""

    type: Literal["ReleaseForceApproved"] = "ReleaseForceApproved"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    reason: Reason
    forced_by: Identifier


class ReleaseRetrospectivelyApproved(ApprovalEvent):
    type: Literal["ReleaseRetrospectivelyApproved"] = "ReleaseRetrospectivelyApproved"
    version: Literal[1] = 1
    revision: Revision
    content_hash: ContentHash
    approved_by: Identifier
    comment: Comment = ""


class ApprovalOverdue(ApprovalEvent):
    type: Literal["ApprovalOverdue"] = "ApprovalOverdue"
    version: Literal[1] = 1
    stage: StageName
    revision: Revision
    deadline_at: AwareDatetime


ApprovalCommands = (
    RequestApproval
    | InvalidateApproval
    | ApproveStage
    | RejectRelease
    | ForceApprove
    | RetrospectivelyApprove
    | MarkOverdue
)
ApprovalEvents = (
    ApprovalRequested
    | StageApproved
    | ReleaseApproved
    | ReleaseRejected
    | ApprovalInvalidated
    | ReleaseForceApproved
    | ReleaseRetrospectivelyApproved
    | ApprovalOverdue
)
