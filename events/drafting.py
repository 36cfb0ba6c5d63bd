"""Drafting: owns the content of a release and its revisions."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from events.actor import Actor
from events.base import Command, Event
from events.content import ContentChanges, Identifier, ReleaseContent
from events.text import XmlText

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), XmlText]
Revision = Annotated[int, Field(ge=1)]
StreamVersion = Annotated[int, Field(ge=0)]


class DraftingCommand(Command):
    service: ClassVar[str] = "drafting"
    actor: Actor


class CreateDraft(DraftingCommand):
    type: Literal["CreateDraft"] = "CreateDraft"
    version: Literal[1] = 1
    content: ReleaseContent
    collaborators: Annotated[list[Identifier], Field(max_length=50)] = []


class ReviseDraft(DraftingCommand):
    type: Literal["ReviseDraft"] = "ReviseDraft"
    version: Literal[1] = 1
    expected_version: StreamVersion
    changes: ContentChanges


class SubmitDraft(DraftingCommand):
    type: Literal["SubmitDraft"] = "SubmitDraft"
    version: Literal[1] = 1
    expected_version: StreamVersion | None = None


class DiscardDraft(DraftingCommand):
    type: Literal["DiscardDraft"] = "DiscardDraft"
    version: Literal[1] = 1
    expected_version: StreamVersion | None = None
    reason: Reason = ""


class DraftingEvent(Event):
    service: ClassVar[str] = "drafting"


class DraftCreated(DraftingEvent):
    type: Literal["DraftCreated"] = "DraftCreated"
    version: Literal[1] = 1
    revision: Revision
    content: ReleaseContent
    content_hash: str
    created_by: Identifier
    organisation: Identifier
    collaborators: list[Identifier] = []


class DraftRevisedV1(DraftingEvent):
    """The first shape of DraftRevised, kept so old logs still read (see events/upcasters.py)."""

    deprecation: ClassVar[str | None] = (
        "Superseded by v2: no longer written since 0.1.0; still read for ever, upcast to v2."
    )

    type: Literal["DraftRevised"] = "DraftRevised"
    version: Literal[1] = 1
    revision: Revision
    content: ReleaseContent
    revised_by: Identifier


class DraftRevised(DraftingEvent):
    """v2 adds the content hash (what approvals bind to) and the names of the changed fields."""

    type: Literal["DraftRevised"] = "DraftRevised"
    version: Literal[2] = 2
    revision: Revision
    content: ReleaseContent
    content_hash: str
    changed_fields: list[str]
    revised_by: Identifier


class DraftSubmittedV1(DraftingEvent):
    """The first shape of DraftSubmitted, kept so old logs still read (see events/upcasters.py)."""

    deprecation: ClassVar[str | None] = (
        "Superseded by v2: no longer written since 0.1.0; still read for ever, upcast to v2."
    )

    type: Literal["DraftSubmitted"] = "DraftSubmitted"
    version: Literal[1] = 1
    revision: Revision
    content_hash: str
    submitted_by: Identifier
    organisation: Identifier


class DraftSubmitted(DraftingEvent):
    """v2 names everyone who wrote the content: none of them may approve it (four eyes)."""

    type: Literal["DraftSubmitted"] = "DraftSubmitted"
    version: Literal[2] = 2
    revision: Revision
    content_hash: str
    submitted_by: Identifier
    organisation: Identifier
    authors: list[Identifier]


class ReopenDraft(DraftingCommand):
    """Sent by drafting's own policy when approval rejects the release: back to draft."""

    type: Literal["ReopenDraft"] = "ReopenDraft"
    version: Literal[1] = 1
    revision: Revision
    stage: str
    reason: Reason
    rejected_by: Identifier


class DraftReopened(DraftingEvent):
    type: Literal["DraftReopened"] = "DraftReopened"
    version: Literal[1] = 1
    revision: Revision
    stage: str
    reason: Reason
    rejected_by: Identifier


class DraftDiscarded(DraftingEvent):
    type: Literal["DraftDiscarded"] = "DraftDiscarded"
    version: Literal[1] = 1
    discarded_by: Identifier
    reason: Reason = ""


class StartCorrection(DraftingCommand):
    """A published release becomes editable again; its next approval publishes edition n + 1."""

    type: Literal["StartCorrection"] = "StartCorrection"
    version: Literal[1] = 1
    expected_version: StreamVersion | None = None


class CorrectionStarted(DraftingEvent):
    type: Literal["CorrectionStarted"] = "CorrectionStarted"
    version: Literal[1] = 1
    edition_being_corrected: Annotated[int, Field(ge=1)]
    revision: Revision
    started_by: Identifier


class NotePublished(DraftingCommand):
    """Sent by drafting's own policy on publication's ReleasePublished."""

    type: Literal["NotePublished"] = "NotePublished"
    version: Literal[1] = 1
    edition: Annotated[int, Field(ge=1)]
    revision: Revision


class PublicationNoted(DraftingEvent):
    type: Literal["PublicationNoted"] = "PublicationNoted"
    version: Literal[1] = 1
    edition: Annotated[int, Field(ge=1)]
    revision: Revision


DraftingCommands = (
    CreateDraft
    | ReviseDraft
    | SubmitDraft
    | DiscardDraft
    | ReopenDraft
    | StartCorrection
    | NotePublished
)
DraftingEvents = (
    DraftCreated
    | DraftRevised
    | DraftSubmitted
    | DraftDiscarded
    | DraftReopened
    | CorrectionStarted
    | PublicationNoted
)
