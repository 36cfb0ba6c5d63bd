"""Drafting's state and its rule errors: what `decide` reads and what it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from events.content import ReleaseContent
from events.replies import OutcomeStatus, Rejection

WRITER = "writer"
CORRECTORS = (WRITER, "press-officer")


class Status(StrEnum):
    NONE = "none"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    DISCARDED = "discarded"
    PUBLISHED = "published"  # the current revision is public: a correction reopens it


@dataclass(frozen=True)
class Draft:
    status: Status = Status.NONE
    version: int = 0  # stream version: how many events this release has
    revision: int = 0
    content: ReleaseContent | None = None
    hash: str = ""
    organisation: str = ""
    collaborators: tuple[str, ...] = field(default=())
    # Everyone who wrote this content, creator included: none of them may approve it.
    authors: tuple[str, ...] = field(default=())
    published_edition: int = 0  # the newest edition publication reported, 0 if never


class DraftNotFound(Rejection):
    status = OutcomeStatus.NOT_FOUND
    problem_type = "urn:pressroom:problem:release-not-found"
    title = "No such release"


class AlreadyExists(Rejection):
    problem_type = "urn:pressroom:problem:release-exists"
    title = "A release with this id already exists"


class StaleVersion(Rejection):
    problem_type = "urn:pressroom:problem:stale-version"
    title = "The release changed since you read it"


class WrongStatus(Rejection):
    problem_type = "urn:pressroom:problem:wrong-status"
    title = "The release is not in a state that allows this"


class InvalidContent(Rejection):
    status = OutcomeStatus.INVALID
    problem_type = "urn:pressroom:problem:invalid-content"
    title = "The content breaks a rule"
