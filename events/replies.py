"""The outcome of a command, published on pressroom.replies keyed by the command id."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from events.base import TOLERANT_READER, Contract, Message


class OutcomeStatus(StrEnum):
    ACCEPTED = "accepted"  # events were appended (or none were needed)
    INVALID = "invalid"  # the command breaks a content rule (HTTP 422)
    FORBIDDEN = "forbidden"  # the actor may not do this, or the command is unsigned (HTTP 403)
    NOT_FOUND = "not_found"  # no such release (HTTP 404)
    CONFLICT = "conflict"  # stale expected version or a state that forbids it (HTTP 409)
    UNDECODABLE = "undecodable"  # the message could not be read; it went to the DLQ


class Problem(Contract):
    """RFC 9457 problem details, minus `status` which follows from the outcome."""

    type: str
    title: str
    detail: str


class CommandOutcome(Message):
    # Read by bots and the gateway: tolerant of fields a later contract adds, like events.
    model_config = TOLERANT_READER
    service: ClassVar[str] = "replies"
    kind: ClassVar[str] = "reply"
    type: Literal["CommandOutcome"] = "CommandOutcome"
    version: Literal[1] = 1
    command_id: str
    command_type: str
    release_id: str | None
    status: OutcomeStatus
    # The stream version after the command: what a client passes back for read-your-writes.
    stream_version: int | None = None
    events: list[str] = []
    problem: Problem | None = None


class Rejection(Exception):
    """Raised by a pure `decide` to refuse a command; the handler turns it into an outcome."""

    status: ClassVar[OutcomeStatus] = OutcomeStatus.CONFLICT
    problem_type: ClassVar[str] = "about:blank"
    title: ClassVar[str] = "Command refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def problem(self) -> Problem:
        return Problem(type=self.problem_type, title=self.title, detail=self.detail)
