"""A command outcome becomes the right HTTP status, body and headers."""

from __future__ import annotations

import json

import pytest
from fastapi import Response

from events.replies import CommandOutcome, OutcomeStatus, Problem
from services.gateway.outcomes import UNDECODABLE_DETAIL, outcome_response, pending_response
from services.kit.limits import EventTooLarge

STALE = Problem(type="urn:pressroom:problem:stale-version", title="Stale", detail="at 4, not 3")


def outcome(status: OutcomeStatus, **extra: object) -> CommandOutcome:
    return CommandOutcome.model_validate(
        {
            "command_id": "c1",
            "command_type": "pressroom.drafting.ReviseDraft.v1",
            "release_id": "r1",
            "status": status,
            **extra,
        }
    )


def body(response: Response) -> dict[str, object]:
    return dict(json.loads(bytes(response.body)))


def test_an_accepted_creation_is_201_with_location_etag_and_version() -> None:
    response = outcome_response(
        outcome(OutcomeStatus.ACCEPTED, stream_version=1, events=["e1"]), created=True
    )
    assert response.status_code == 201
    assert response.headers["location"] == "/v1/releases/r1"
    assert response.headers["etag"] == '"1"'
    assert body(response) == {
        "release_id": "r1",
        "command_id": "c1",
        "version": 1,
        "status": "accepted",
        "events": ["e1"],
    }


def test_an_accepted_change_is_200_without_location() -> None:
    response = outcome_response(outcome(OutcomeStatus.ACCEPTED, stream_version=4))
    assert response.status_code == 200
    assert response.headers["etag"] == '"4"'
    assert "location" not in response.headers


@pytest.mark.parametrize(
    ("status", "http"),
    [
        (OutcomeStatus.INVALID, 422),
        (OutcomeStatus.FORBIDDEN, 403),
        (OutcomeStatus.NOT_FOUND, 404),
        (OutcomeStatus.CONFLICT, 409),
        (OutcomeStatus.UNDECODABLE, 500),
    ],
)
def test_a_refusal_is_a_problem_with_the_mapped_status(status: OutcomeStatus, http: int) -> None:
    response = outcome_response(outcome(status, problem=STALE, stream_version=4))
    assert response.status_code == http
    assert response.media_type == "application/problem+json"
    problem = body(response)
    assert problem["status"] == http
    # An undecodable command's reason is the service's internal error: for operators only.
    detail = STALE.detail if status is not OutcomeStatus.UNDECODABLE else UNDECODABLE_DETAIL
    assert (problem["type"], problem["title"], problem["detail"]) == (
        STALE.type,
        STALE.title,
        detail.format(command_id="c1"),
    )
    assert problem["instance"] == "/v1/commands/c1"
    assert "etag" not in response.headers


def test_a_conflict_tells_the_current_version() -> None:
    problem = body(outcome_response(outcome(OutcomeStatus.CONFLICT, stream_version=4)))
    assert problem["current_version"] == 4
    assert problem["detail"] == "conflict"


def test_other_refusals_do_not_claim_a_current_version() -> None:
    problem = body(outcome_response(outcome(OutcomeStatus.FORBIDDEN, stream_version=4)))
    assert "current_version" not in problem


def test_no_outcome_in_time_is_202_with_a_link_to_poll() -> None:
    response = pending_response("c1", "r1")
    assert response.status_code == 202
    assert response.headers["location"] == "/v1/commands/c1"
    assert body(response)["status"] == "pending"


def test_a_command_whose_event_is_too_large_is_a_422_problem_naming_the_limit() -> None:
    too_large = EventTooLarge("DraftRevised.v1 would be 1320000 bytes; the limit is 1000000 bytes")
    response = outcome_response(outcome(too_large.status, problem=too_large.problem()))
    assert response.status_code == 422
    assert response.media_type == "application/problem+json"
    problem = body(response)
    assert problem["type"] == "urn:pressroom:problem:event-too-large"
    assert "1000000 bytes" in str(problem["detail"])
