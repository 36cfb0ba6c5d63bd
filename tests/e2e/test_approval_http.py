"""Approval end to end over HTTP only: gateway → drafting → approval (its policy requests the
fco stages: policy by erin, then legal by frank) → projector → reads. Four eyes, invalidation by a
later revision, and approve racing revise."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest

from dev_tools.demo.sample import parse_release, sample_text
from tests.e2e.stack_fixture import Stack
from tests.support import eventually

pytestmark = pytest.mark.integration
APPROVAL_WAIT_S = 120.0  # the first request also waits for the approval service to start
RACES = 10
INBOX_PAGE = 200


def sample_body(suffix: str) -> dict[str, object]:
    content = parse_release(sample_text(), "fco").model_dump(mode="json")
    content["title"] = f"{content['title']}{suffix}"
    return {"content": content}


async def draft_and_submit(http: httpx.AsyncClient, suffix: str = "") -> str:
    created = await http.post("/v1/releases", json=sample_body(suffix))
    assert created.status_code == 201, created.text
    release_id = str(created.json()["release_id"])
    submitted = await http.post(
        f"/v1/releases/{release_id}/submit", headers={"If-Match": created.headers["ETag"]}
    )
    assert submitted.status_code == 200, submitted.text
    return release_id


async def until_approval(
    http: httpx.AsyncClient, release_id: str, status: str, revision: int | None = None
) -> dict[str, Any]:
    """The release once its approval has `status` (for `revision`) in the read model."""

    async def probe() -> dict[str, Any] | None:
        response = await http.get(f"/v1/releases/{release_id}")
        body: dict[str, Any] = response.json() if response.status_code == 200 else {}
        approval = body.get("approval") or {}
        reached = approval.get("status") == status
        return body if reached and revision in (None, approval.get("revision")) else None

    return await eventually(probe, APPROVAL_WAIT_S, f"approval {status} of {release_id}")


async def approve(
    http: httpx.AsyncClient, release_id: str, stage: str, approval: dict[str, Any]
) -> httpx.Response:
    """Approves what the approver reviewed: the revision and hash of `approval`."""
    body = {"stage": stage, "revision": approval["revision"], "content_hash": approval["hash"]}
    return await http.post(f"/v1/releases/{release_id}/approve", json=body)


def reviewed(release: dict[str, Any]) -> dict[str, Any]:
    return {
        "revision": release["approval"]["revision"],
        "hash": release["approval"]["content_hash"],
    }


def fresh(response: httpx.Response) -> dict[str, Any]:
    """The body of a read-your-writes read that caught up (the gateway waits up to 5 s)."""
    assert response.status_code == 200, response.text
    assert "Pressroom-Stale" not in response.headers, "the read model lagged more than 5 s"
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["type"] != "about:blank" and problem["detail"]
    return problem


async def history_of(http: httpx.AsyncClient, release_id: str, after: str) -> list[dict[str, Any]]:
    response = await http.get(
        f"/v1/releases/{release_id}/history", headers={"Pressroom-Read-After": after}
    )
    assert response.status_code == 200 and "Pressroom-Stale" not in response.headers
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def names(events: list[dict[str, Any]]) -> list[str]:
    return [event["event_type"].split(".")[2] for event in events]


async def inbox_items(http: httpx.AsyncClient, after: str | None = None) -> list[dict[str, Any]]:
    """Every page of the caller's inbox (earlier runs leave items behind)."""
    found: list[dict[str, Any]] = []
    headers = {"Pressroom-Read-After": after} if after else {}
    for offset in range(0, 100_000, INBOX_PAGE):
        params = {"limit": INBOX_PAGE, "offset": offset}
        response = await http.get("/v1/approvals", params=params, headers=headers)
        assert response.status_code == 200, response.text
        found += response.json()["items"]
        if len(response.json()["items"]) < INBOX_PAGE:
            return found
    raise AssertionError("the inbox never ended")


async def inbox(http: httpx.AsyncClient, release_id: str, after: str) -> dict[str, bool]:
    """Stage → opened, for one release in the caller's inbox."""
    items = await inbox_items(http, after)
    return {i["stage"]: i["opened"] for i in items if i["release_id"] == release_id}


async def test_the_sample_release_is_approved_stage_by_stage_over_http(stack: Stack) -> None:
    async with (
        stack.client() as alice,
        stack.client("dev-erin") as erin,
        stack.client("dev-frank") as frank,
    ):
        release_id = await draft_and_submit(alice)
        pending = await until_approval(alice, release_id, "pending")
        assert pending["status"] == "submitted"
        stages = [(s["name"], s["step"], s["state"]) for s in pending["approval"]["stages"]]
        assert stages == [("policy", 0, "pending"), ("legal", 1, "pending")]
        token = f"{release_id}:approval:{pending['approval']['version']}"
        assert await inbox(erin, release_id, token) == {"policy": True}
        assert await inbox(frank, release_id, token) == {"legal": False}

        policy = await approve(erin, release_id, "policy", reviewed(pending))
        assert policy.status_code == 200, policy.text
        token = policy.headers["Pressroom-Read-After"]
        assert token == f"{release_id}:approval:{policy.json()['version']}"
        assert await inbox(frank, release_id, token) == {"legal": True}

        legal = await approve(frank, release_id, "legal", reviewed(pending))
        assert legal.status_code == 200, legal.text
        token = legal.headers["Pressroom-Read-After"]
        detail = fresh(
            await alice.get(f"/v1/releases/{release_id}", headers={"Pressroom-Read-After": token})
        )
        events = await history_of(alice, release_id, token)
        assert await inbox(frank, release_id, token) == {}

    assert (detail["status"], detail["approval"]["status"]) == ("approved", "approved")
    assert [(s["name"], s["approver"]) for s in detail["approval"]["stages"]] == [
        ("policy", "erin"),
        ("legal", "frank"),
    ]
    assert names(events) == [
        "DraftCreated",
        "DraftSubmitted",
        "ApprovalRequested",
        "StageApproved",
        "StageApproved",
        "ReleaseApproved",
    ]
    stage_steps = [(e["actor"], e["summary"]) for e in events if "StageApproved" in e["event_type"]]
    assert stage_steps == [
        ("erin", "Stage policy approved by erin"),
        ("frank", "Stage legal approved by frank"),
    ]
    for event in events:
        assert event["actor"] and datetime.fromisoformat(event["occurred_at"]).tzinfo is not None


async def test_nobody_approves_or_force_approves_what_they_wrote(stack: Stack) -> None:
    async with stack.client("dev-ivan") as ivan, stack.client("dev-erin") as erin:
        release_id = await draft_and_submit(ivan, " (ivan's own)")
        pending = await until_approval(ivan, release_id, "pending")
        own_policy = await approve(ivan, release_id, "policy", reviewed(pending))
        assert_problem(own_policy, 403)

        assert (await approve(erin, release_id, "policy", reviewed(pending))).status_code == 200
        assert_problem(await approve(ivan, release_id, "legal", reviewed(pending)), 403)
        forced = await ivan.post(
            f"/v1/releases/{release_id}/force-approve", json={"reason": "Needed tonight"}
        )
        assert_problem(forced, 403)
        detail = await ivan.get(f"/v1/releases/{release_id}")
    assert detail.json()["approval"]["status"] == "pending"


async def test_a_force_approval_is_flagged_until_another_editor_confirms_it(stack: Stack) -> None:
    async with (
        stack.client() as alice,
        stack.client("dev-dave") as dave,
        stack.client("dev-ivan") as ivan,
    ):
        release_id = await draft_and_submit(alice, " (forced)")
        await until_approval(alice, release_id, "pending")
        forced = await dave.post(
            f"/v1/releases/{release_id}/force-approve", json={"reason": "Minister on air at 6"}
        )
        assert forced.status_code == 200, forced.text
        token = {"Pressroom-Read-After": forced.headers["Pressroom-Read-After"]}
        flagged = fresh(await alice.get(f"/v1/releases/{release_id}", headers=token))
        assert_problem(await dave.post(f"/v1/releases/{release_id}/retrospective-approval"), 403)
        confirmed = await ivan.post(
            f"/v1/releases/{release_id}/retrospective-approval", json={"comment": "Checked"}
        )
        assert confirmed.status_code == 200, confirmed.text
        after = confirmed.headers["Pressroom-Read-After"]
        min_version = {"min_version": f"approval:{confirmed.json()['version']}"}
        cleared = fresh(await alice.get(f"/v1/releases/{release_id}", params=min_version))
        events = await history_of(alice, release_id, after)

    assert (flagged["status"], flagged["approval"]["status"]) == ("approved", "force_approved")
    assert flagged["approval"]["force_approved"] is True
    assert cleared["approval"]["force_approved"] is False
    assert "Force-approved by dave: Minister on air at 6" in [e["summary"] for e in events]


async def test_a_revision_during_approval_invalidates_it_and_binds_the_next_to_the_new_hash(
    stack: Stack,
) -> None:
    async with stack.client() as alice, stack.client("dev-erin") as erin:
        release_id = await draft_and_submit(alice, " (revised)")
        first = await until_approval(alice, release_id, "pending")
        assert (await approve(erin, release_id, "policy", reviewed(first))).status_code == 200
        revised = await alice.patch(
            f"/v1/releases/{release_id}",
            json={"summary": "A later standfirst."},
            headers={"If-Match": f'"{first["version"]}"'},
        )
        assert revised.status_code == 200, revised.text
        lapsed = await until_approval(alice, release_id, "invalidated")
        assert lapsed["status"] == "draft"
        resubmitted = await alice.post(
            f"/v1/releases/{release_id}/submit", headers={"If-Match": revised.headers["ETag"]}
        )
        assert resubmitted.status_code == 200, resubmitted.text
        second = await until_approval(alice, release_id, "pending", revision=first["revision"] + 1)
        stale = await approve(erin, release_id, "policy", reviewed(first))
        fresh = await approve(erin, release_id, "policy", reviewed(second))

    assert second["approval"]["content_hash"] == second["content_hash"] != first["content_hash"]
    assert [s["state"] for s in second["approval"]["stages"]] == ["pending", "pending"]
    assert_problem(stale, 409)
    assert fresh.status_code == 200, fresh.text


async def test_approval_is_invisible_outside_the_organisation(stack: Stack) -> None:
    async with stack.client() as alice, stack.client("dev-rita") as rita:
        release_id = await draft_and_submit(alice, " (private)")
        pending = await until_approval(alice, release_id, "pending")
        approval = pending["approval"]
        approve_body = {"stage": "policy", "revision": approval["revision"]}
        responses = [
            await rita.get(f"/v1/releases/{release_id}"),
            await rita.get(f"/v1/releases/{release_id}/history"),
            await rita.post(f"/v1/releases/{release_id}/approve", json=approve_body),
        ]
        rita_inbox = await rita.get("/v1/approvals")
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert rita_inbox.json()["items"] == []


async def test_approve_racing_revise_ends_in_one_serial_order(stack: Stack) -> None:
    async with (
        stack.client() as alice,
        stack.client("dev-erin") as erin,
        stack.client("dev-frank") as frank,
    ):
        ids = await asyncio.gather(*(draft_and_submit(alice, f" race {n}") for n in range(RACES)))
        pending = await asyncio.gather(*(until_approval(alice, r, "pending") for r in ids))
        for release_id, release in zip(ids, pending, strict=True):
            assert (await approve(erin, release_id, "policy", reviewed(release))).status_code == 200
        races = [_approve_and_revise(alice, frank, r, p) for r, p in zip(ids, pending, strict=True)]
        outcomes = await asyncio.gather(*races)
        for release_id, (approved, revised) in zip(ids, outcomes, strict=True):
            await _assert_one_serial_order(alice, release_id, approved, revised)
        left = await inbox_items(frank)  # each release above was read after its invalidation
    assert {approved.status_code for approved, _ in outcomes} <= {200, 409}
    assert not {item["release_id"] for item in left} & set(ids)


async def _approve_and_revise(
    alice: httpx.AsyncClient, frank: httpx.AsyncClient, release_id: str, release: dict[str, Any]
) -> tuple[httpx.Response, httpx.Response]:
    """The last stage's approval and a revision, sent at the same moment."""
    revise = alice.patch(
        f"/v1/releases/{release_id}",
        json={"summary": "Changed while legal was reading."},
        headers={"If-Match": f'"{release["version"]}"'},
    )
    approved, revised = await asyncio.gather(
        approve(frank, release_id, "legal", reviewed(release)), revise
    )
    return approved, revised


async def _assert_one_serial_order(
    alice: httpx.AsyncClient, release_id: str, approved: httpx.Response, revised: httpx.Response
) -> None:
    """Approve-then-revise: approved, then invalidated. Revise-then-approve: a 409, no approval.
    Either way the read model ends on revision 2, back in draft, its approval invalidated."""
    assert revised.status_code == 200, revised.text
    if approved.status_code != 200:
        assert_problem(approved, 409)
    final = await until_approval(alice, release_id, "invalidated")
    token = f"{release_id}:approval:{final['approval']['version']}"
    events = await history_of(alice, release_id, token)
    approvals = [e for e in events if e["service"] == "approval"]
    [invalidated] = [e for e in events if "ApprovalInvalidated" in e["event_type"]]
    assert ("ReleaseApproved" in names(events)) == (approved.status_code == 200)
    assert invalidated["data"]["was_approved"] == (approved.status_code == 200)
    assert (final["status"], final["revision"], final["approval"]["revision"]) == ("draft", 2, 1)
    assert len(approvals) == final["approval"]["version"]
