"""Embargo end to end over HTTP only: the sample release approved by erin and frank, embargoed by
carol for a few seconds with rita as recipient; rita reads exactly the approved revision until
the lift, nobody else ever does, and after the lift her embargoed route is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.stack_fixture import Stack
from tests.e2e.test_approval_http import (
    APPROVAL_WAIT_S,
    approve,
    assert_problem,
    draft_and_submit,
    fresh,
    reviewed,
    until_approval,
)
from tests.support import eventually

pytestmark = pytest.mark.integration
LIFT_IN_S = 20  # long enough for the copy to be issued and read first, on a slow machine
LIFT_WAIT_S = 90.0


async def approved_release(stack: Stack, alice: httpx.AsyncClient) -> dict[str, Any]:
    """The sample release, approved at both fco stages: its detail once the read model says so."""
    release_id = await draft_and_submit(alice, " (embargoed)")
    pending = await until_approval(alice, release_id, "pending")
    async with stack.client("dev-erin") as erin, stack.client("dev-frank") as frank:
        assert (await approve(erin, release_id, "policy", reviewed(pending))).status_code == 200
        assert (await approve(frank, release_id, "legal", reviewed(pending))).status_code == 200
    return await until_approval(alice, release_id, "approved")


async def copy_for(http: httpx.AsyncClient, release_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await http.get(f"/v1/embargoed/{release_id}")
        return dict(response.json()) if response.status_code == 200 else None

    return await eventually(probe, APPROVAL_WAIT_S, f"rita's copy of {release_id}")


async def until_lifted(http: httpx.AsyncClient, release_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        body: dict[str, Any] = (await http.get(f"/v1/releases/{release_id}")).json()
        return body if body.get("embargo", {}).get("status") == "lifted" else None

    return await eventually(probe, LIFT_WAIT_S, f"the lift of {release_id}")


async def test_an_embargoed_copy_is_read_only_by_its_recipient_until_the_lift(
    stack: Stack,
) -> None:
    async with (
        stack.client() as alice,
        stack.client("dev-carol") as carol,
        stack.client("dev-rita") as rita,
        stack.client("dev-bob") as bob,
        stack.client("dev-sam") as sam,
    ):
        approved = await approved_release(stack, alice)
        release_id = approved["release_id"]
        lift_at = datetime.now(UTC) + timedelta(seconds=LIFT_IN_S)
        terms = {"lift_at": lift_at.isoformat(), "recipients": ["rita"]}
        embargoed = await carol.put(f"/v1/releases/{release_id}/embargo", json=terms)
        assert embargoed.status_code == 200, embargoed.text
        token = embargoed.headers["Pressroom-Read-After"]

        copy = await copy_for(rita, release_id)
        assert (copy["revision"], copy["content_hash"]) == (
            approved["approval"]["revision"],
            approved["approval"]["content_hash"],
        )
        assert copy["title"] == approved["title"]
        until = datetime.fromisoformat(copy["embargoed_until"])
        assert abs(until - lift_at) < timedelta(milliseconds=1)
        assert_problem(await bob.get(f"/v1/embargoed/{release_id}"), 404)
        assert_problem(await sam.get(f"/v1/embargoed/{release_id}"), 404)
        calendar = fresh(await carol.get("/v1/embargoes", headers={"Pressroom-Read-After": token}))
        assert release_id in [item["release_id"] for item in calendar["items"]]

        lifted = await until_lifted(alice, release_id)
        assert lifted["embargo"]["lateness_ms"] >= 0
        assert datetime.fromisoformat(lifted["embargo"]["lifted_at"]) >= lift_at
        assert_problem(await rita.get(f"/v1/embargoed/{release_id}"), 404)
        history = (await alice.get(f"/v1/releases/{release_id}/history")).json()["events"]
    summaries = [event["summary"] for event in history]
    assert any(
        s.startswith("Embargo set until") and "by carol, 1 recipient" in s for s in summaries
    )
    assert any(s.startswith("Lifted at") and "late by" in s for s in summaries)
