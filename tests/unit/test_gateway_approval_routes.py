"""Approval routes, the inbox, approval in reads, per-service read-your-writes: over fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from events.approval import ApproveStage, ForceApprove, RejectRelease, RetrospectivelyApprove
from events.replies import OutcomeStatus
from services.gateway.preconditions import ReadAfter, read_after
from services.gateway.problems import ProblemError
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.gateway import accepting, gateway_client, refusing
from tests.fakes.read_model import FakeReadModel

FRANK = {"Authorization": "Bearer dev-frank"}
DAVE = {"Authorization": "Bearer dev-dave"}
RITA = {"Authorization": "Bearer dev-rita"}
HASH = "sha256:" + "a" * 64
OTHER_HASH = "sha256:" + "b" * 64
STAGES = [
    {"name": "policy", "roles": ["approver:policy"], "step": 0, "state": "approved"},
    {"name": "legal", "roles": ["approver:legal"], "step": 1, "state": "pending"},
]

accept = accepting(3)


def release(release_id: str = "r1", org: str = "fco", **extra: Any) -> dict[str, Any]:
    return {
        "release_id": release_id,
        "title": "UK and Japan",
        "lead_organisation": org,
        "organisations": [org],
        "collaborators": [],
        "created_by": "alice",
        "status": "submitted",
        "drafting_status": "submitted",
        "versions": {"drafting": 2, "approval": 2},
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        "last_event_id": "e3",
        "body": "long",
        "content": {},
        "approval_status": "pending",
        "approval_revision": 1,
        "approval_hash": HASH,
        "approval_stages": STAGES,
        "force_approved_flag": False,
        "approval_requested_at": datetime(2026, 1, 1, 9, tzinfo=UTC),
        "approval_decided_at": None,
        **extra,
    }


def inbox_row(release_id: str, stage: str, org: str = "fco") -> dict[str, Any]:
    return {
        "release_id": release_id,
        "stage": stage,
        "roles": [f"approver:{stage}"],
        "step": 1,
        "opened": True,
        "deadline_at": None,
        "overdue": False,
        "revision": 1,
        "content_hash": HASH,
        "title": "UK and Japan",
        "lead_organisation": org,
        "requested_at": datetime(2026, 1, 1, 9, tzinfo=UTC),
    }


@pytest.fixture
def bus() -> FakeCommandBus:
    return FakeCommandBus(respond=accept)


@pytest.fixture
def reads() -> FakeReadModel:
    releases = {"r1": release(), "mod1": release("mod1", org="mod")}
    return FakeReadModel(releases_by_id=releases)


@pytest.fixture
async def client(bus: FakeCommandBus, reads: FakeReadModel) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client(reads, bus) as http:
        yield http


async def test_approve_fills_in_the_pending_revision_and_hash(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    response = await client.post(
        "/v1/releases/r1/approve", json={"stage": "legal", "comment": "Fine"}, headers=FRANK
    )

    assert response.status_code == 200, response.text
    (sent,) = bus.sent
    assert isinstance(sent.data, ApproveStage)
    assert (sent.data.stage, sent.data.revision, sent.data.content_hash) == ("legal", 1, HASH)
    assert (sent.data.actor.id, sent.data.comment, sent.actor) == ("frank", "Fine", "frank")
    assert response.json()["version"] == 3


async def test_an_approval_answers_with_its_own_read_after_token_and_no_etag(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/releases/r1/approve", json={"stage": "legal"}, headers=FRANK)

    assert response.headers["pressroom-read-after"] == "r1:approval:3"
    assert "etag" not in response.headers  # the ETag is drafting's version, not approval's


async def test_approve_sends_the_revision_and_hash_the_approver_reviewed(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    body = {"stage": "legal", "revision": 4, "content_hash": OTHER_HASH}
    await client.post("/v1/releases/r1/approve", json=body, headers=FRANK)

    sent = bus.sent[0].data
    assert isinstance(sent, ApproveStage) and (sent.revision, sent.content_hash) == (4, OTHER_HASH)


async def test_approve_without_a_hash_and_nothing_pending_is_409_and_sends_nothing(
    client: httpx.AsyncClient, bus: FakeCommandBus, reads: FakeReadModel
) -> None:
    reads.releases_by_id["r1"] = release(approval_status="approved")
    response = await client.post("/v1/releases/r1/approve", json={"stage": "legal"}, headers=FRANK)

    assert response.status_code == 409
    assert response.json()["type"] == "urn:pressroom:problem:approval-not-pending"
    assert bus.sent == []


async def test_a_four_eyes_refusal_is_a_403_problem(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    bus.respond = refusing(OutcomeStatus.FORBIDDEN, "four-eyes")
    response = await client.post("/v1/releases/r1/approve", json={"stage": "legal"}, headers=FRANK)

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:pressroom:problem:four-eyes"


async def test_a_hash_mismatch_is_a_409_without_a_drafting_version(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    bus.respond = refusing(OutcomeStatus.CONFLICT, "revision-mismatch")
    response = await client.post("/v1/releases/r1/approve", json={"stage": "legal"}, headers=FRANK)

    assert response.status_code == 409
    assert "current_version" not in response.json()


@pytest.mark.parametrize(
    "body",
    [{}, {"stage": "Legal!"}, {"stage": "legal", "content_hash": "md5:x"}, {"stage": "x", "y": 1}],
)
async def test_an_invalid_approval_body_is_422_and_sends_nothing(
    client: httpx.AsyncClient, bus: FakeCommandBus, body: dict[str, Any]
) -> None:
    response = await client.post("/v1/releases/r1/approve", json=body, headers=FRANK)

    assert response.status_code == 422
    assert bus.sent == []


async def test_reject_force_approve_and_retrospective_approval_send_their_commands(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    reject = {"stage": "legal", "reason": "Libel risk"}
    await client.post("/v1/releases/r1/reject", json=reject, headers=FRANK)
    await client.post("/v1/releases/r1/force-approve", json={"reason": "Minister"}, headers=DAVE)
    await client.post("/v1/releases/r1/retrospective-approval", headers=DAVE)
    rejected, forced, confirmed = (envelope.data for envelope in bus.sent)

    assert isinstance(rejected, RejectRelease) and rejected.reason == "Libel risk"
    assert isinstance(forced, ForceApprove) and (forced.reason, forced.revision) == (
        "Minister",
        None,
    )
    assert isinstance(confirmed, RetrospectivelyApprove) and confirmed.comment == ""
    assert all(e.data.service == "approval" for e in bus.sent)


async def test_force_approval_needs_a_reason(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    response = await client.post("/v1/releases/r1/force-approve", json={}, headers=DAVE)
    assert response.status_code == 422 and bus.sent == []


@pytest.mark.parametrize("release_id", ["mod1", "nope"])
async def test_approval_commands_on_a_release_you_may_not_read_are_404(
    client: httpx.AsyncClient, bus: FakeCommandBus, release_id: str
) -> None:
    for path, body in [
        ("approve", {"stage": "legal", "revision": 1, "content_hash": HASH}),
        ("reject", {"stage": "legal", "reason": "No"}),
        ("force-approve", {"reason": "Now"}),
        ("retrospective-approval", {}),
    ]:
        response = await client.post(f"/v1/releases/{release_id}/{path}", json=body, headers=FRANK)
        assert response.status_code == 404, path
        assert response.json()["type"] == "urn:pressroom:problem:release-not-found"
    assert bus.sent == []


async def test_the_inbox_lists_your_stages_in_your_organisation(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    reads.inbox = [
        inbox_row("r1", "legal"),
        inbox_row("r2", "policy"),
        inbox_row("m", "legal", "mod"),
    ]

    response = await client.get("/v1/approvals", headers=FRANK)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["release_id"], i["stage"]) for i in items] == [("r1", "legal")]
    assert items[0]["requested_at"] == "2026-01-01T09:00:00+00:00"
    where = reads.inbox_filters[0]
    assert (where.roles, where.organisation, where.stage) == (("approver:legal",), "fco", None)


async def test_the_inbox_filters_by_stage_and_is_empty_for_non_approvers(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    reads.inbox = [inbox_row("r1", "legal")]

    by_stage = await client.get("/v1/approvals", params={"stage": "policy"}, headers=FRANK)
    rita = await client.get("/v1/approvals", headers=RITA)

    assert by_stage.json()["items"] == [] and reads.inbox_filters[0].stage == "policy"
    assert rita.json()["items"] == []
    assert (await client.get("/v1/approvals", params={"stage": "Bad!"}, headers=FRANK)).is_error


async def test_the_detail_shows_the_approval_and_each_stage(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/releases/r1", headers=FRANK)).json()

    approval = body["approval"]
    assert (approval["status"], approval["revision"], approval["content_hash"]) == (
        "pending",
        1,
        HASH,
    )
    assert [(s["name"], s["state"]) for s in approval["stages"]] == [
        ("policy", "approved"),
        ("legal", "pending"),
    ]
    assert (approval["force_approved"], approval["version"]) == (False, 2)
    assert "approval_status" not in body and "drafting_status" not in body


async def test_the_board_shows_the_approval_status_without_stages(
    client: httpx.AsyncClient,
) -> None:
    items = (await client.get("/v1/releases", headers=FRANK)).json()["items"]

    assert items[0]["approval"]["status"] == "pending" and "stages" not in items[0]["approval"]


async def test_an_approved_release_is_never_answered_304_on_its_drafting_etag(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/releases/r1", headers={**FRANK, "If-None-Match": '"2"'})
    assert response.status_code == 200 and response.headers["etag"] == '"2"'


async def test_read_after_waits_for_the_named_service_stream(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    header = {**FRANK, "Pressroom-Read-After": "r1:approval:2"}
    fresh = await client.get("/v1/releases/r1/history", headers=header)
    stale = await client.get("/v1/releases/r1", params={"min_version": "approval:5"}, headers=FRANK)
    drafting = await client.get("/v1/releases/r1", params={"min_version": "2"}, headers=FRANK)

    assert "pressroom-stale" not in fresh.headers and "pressroom-stale" not in drafting.headers
    assert stale.headers["pressroom-stale"] == "true"
    # Already there (approval 2, drafting 2): answered from the one read, no wait; behind: waited
    # for on the stream named (tests/unit/test_gateway_read_your_writes_queries.py).
    assert reads.waits == [("r1", 5, "approval")]
    bad = await client.get("/v1/releases/r1", params={"min_version": "foo:2"}, headers=FRANK)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("r1:approval:3", ReadAfter("r1", 3, "approval")),
        ("r1:3", ReadAfter("r1", 3, "drafting")),
        ("a:b:drafting:7", ReadAfter("a:b", 7, "drafting")),
        ("rel:with:colons:12", ReadAfter("rel:with:colons", 12)),
    ],
)
def test_read_after_names_a_service_before_the_version(header: str, wanted: ReadAfter) -> None:
    assert read_after(header) == wanted


@pytest.mark.parametrize(
    ("header", "min_version"), [("r1:approval:x", None), (None, "foo:2"), (None, "approval:")]
)
def test_a_malformed_read_after_or_min_version_is_400(
    header: str | None, min_version: str | None
) -> None:
    with pytest.raises(ProblemError) as raised:
        read_after(header, "r1", min_version)
    assert raised.value.status == 400


async def test_a_command_outcome_follows_its_release_s_access_rule(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    reads.outcomes = {
        "mine": {"command_id": "mine", "release_id": "r1", "status": "accepted"},
        "theirs": {"command_id": "theirs", "release_id": "mod1", "status": "accepted"},
        "early": {"command_id": "early", "release_id": "new", "status": "accepted"},
        "refused": {"command_id": "refused", "release_id": "gone", "status": "not_found"},
    }
    codes = {
        c: (await client.get(f"/v1/commands/{c}", headers=FRANK)).status_code
        for c in reads.outcomes
    }

    assert codes == {"mine": 200, "theirs": 404, "early": 404, "refused": 200}
