"""A command's outcome → the HTTP answer: status, body, ETag and Location."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from events.replies import CommandOutcome, OutcomeStatus
from services.gateway.preconditions import etag
from services.gateway.problems import ProblemError, problem_response

READ_AFTER_HEADER = "Pressroom-Read-After"
ERROR_STATUS: dict[OutcomeStatus, int] = {
    OutcomeStatus.INVALID: 422,
    OutcomeStatus.FORBIDDEN: 403,
    OutcomeStatus.NOT_FOUND: 404,
    OutcomeStatus.CONFLICT: 409,
    # The service could not read what the gateway sent: our fault, not the client's.
    OutcomeStatus.UNDECODABLE: 500,
    # The service did not take the gateway's own signature: a key misconfiguration, ours too.
}


UNDECODABLE_DETAIL = (
    "The service could not handle command {command_id}; it is dead-lettered with the reason"
    " for the operators."
)


class CommandAccepted(BaseModel):
    """The body of a successful command: what a client needs for its next conditional request."""

    release_id: str | None
    command_id: str
    version: int | None
    status: str = "accepted"
    events: list[str] = []


class CommandPending(BaseModel):
    """The body of a 202: the command is queued; poll `location` for its outcome."""

    command_id: str
    release_id: str | None
    status: str = "pending"
    location: str


def command_location(command_id: str) -> str:
    """Where the outcome of a command can be polled."""
    return f"/v1/commands/{command_id}"


def release_location(release_id: str) -> str:
    """The URL of a release."""
    return f"/v1/releases/{release_id}"


def outcome_response(outcome: CommandOutcome, *, created: bool = False) -> Response:
    """201/200 with the new version for an accepted command, a problem for any refusal."""
    if outcome.status is not OutcomeStatus.ACCEPTED:
        return problem_response(outcome_problem(outcome), command_location(outcome.command_id))
    body = CommandAccepted(
        release_id=outcome.release_id,
        command_id=outcome.command_id,
        version=outcome.stream_version,
        events=list(outcome.events),
    )
    headers = _version_headers(outcome)
    if created and outcome.release_id is not None:
        headers["Location"] = release_location(outcome.release_id)
    return JSONResponse(body.model_dump(), status_code=201 if created else 200, headers=headers)


def _version_headers(outcome: CommandOutcome) -> dict[str, str]:
    """The token to read this write back; an ETag only for drafting, whose version it is."""
    service = stream_service(outcome.command_type)
    if outcome.stream_version is None or outcome.release_id is None:
        return {}
    version = outcome.stream_version
    headers = {READ_AFTER_HEADER: f"{outcome.release_id}:{service}:{version}"}
    if service == "drafting":
        headers["ETag"] = etag(version)
    return headers


def stream_service(command_type: str) -> str:
    """'pressroom.approval.ApproveStage.v1' → 'approval': the stream the version counts."""
    parts = command_type.split(".")
    return parts[1] if len(parts) == 4 and parts[0] == "pressroom" else "drafting"


def outcome_problem(outcome: CommandOutcome) -> ProblemError:
    """The refusal as a problem, keeping the service's own type, title and detail."""
    status = ERROR_STATUS[outcome.status]
    detail = outcome.problem.detail if outcome.problem else outcome.status.value
    if outcome.status is OutcomeStatus.UNDECODABLE:
        # The reason is the service's internal error text: for operators (`pressroom dlq`).
        detail = UNDECODABLE_DETAIL.format(command_id=outcome.command_id)
    problem = ProblemError(status, detail)
    if outcome.problem is not None:
        problem.type, problem.title = outcome.problem.type, outcome.problem.title
    problem.extensions = _extensions(outcome)
    return problem


def _extensions(outcome: CommandOutcome) -> dict[str, Any]:
    # A 409 is only useful with the version the client must re-read: send it along.
    extras: dict[str, Any] = {"command_id": outcome.command_id, "outcome": outcome.status.value}
    if outcome.release_id is not None:
        extras["release_id"] = outcome.release_id
    # Only drafting's version is something to send back in If-Match.
    drafting = stream_service(outcome.command_type) == "drafting"
    if outcome.status is OutcomeStatus.CONFLICT and outcome.stream_version is not None and drafting:
        extras["current_version"] = outcome.stream_version
    return extras


def pending_response(command_id: str, release_id: str | None) -> Response:
    """202 Accepted: no outcome within the timeout; the command may still be handled."""
    location = command_location(command_id)
    body = CommandPending(command_id=command_id, release_id=release_id, location=location)
    return JSONResponse(body.model_dump(), status_code=202, headers={"Location": location})
