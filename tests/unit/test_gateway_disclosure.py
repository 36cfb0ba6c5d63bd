"""What the gateway must not give away, over fakes: embargo recipients in the timeline, and
whether a release one may not read exists (Read-After answers as for a missing one, as late)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.gateway import read_access
from tests.fakes.gateway import gateway_client
from tests.fakes.read_model import FakeReadModel
from tests.unit.test_gateway_routes import release

ALICE = {"Authorization": "Bearer dev-alice"}
SET = "pressroom.embargo.EmbargoSet.v1"
ISSUED = "pressroom.embargo.EmbargoedCopyIssued.v1"
TIMELINE = [
    {
        "event_type": SET, "summary": "Embargo set until 9 Jan by carol, 2 recipients",
        "data": {"release_id": "r1", "recipients": ["rita", "sam"], "set_by": "carol"},
    },
    {
        "event_type": ISSUED, "summary": "Embargoed copy of revision 1 issued to rita, until …",
        "data": {"release_id": "r1", "recipient": "rita", "revision": 1},
    },
]  # fmt: skip
WAIT_S = 0.3  # the read-after wait, shortened for these tests
READS = FakeReadModel(
    releases_by_id={"r1": release(), "theirs": release("theirs", org="mod")},
    history_by_id={"r1": TIMELINE},
)


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setattr(read_access, "READ_AFTER_WAIT_S", WAIT_S)
    READS.waits.clear()
    async with gateway_client(READS) as http:
        yield http


async def test_the_timeline_counts_embargo_recipients_and_never_names_them(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/v1/releases/r1/history", headers=ALICE)
    assert answer.status_code == 200
    assert "rita" not in answer.text and "sam" not in answer.text
    embargo_set, copy_issued = answer.json()["events"]
    assert embargo_set["data"]["recipient_count"] == 2
    assert "issued to a recipient" in copy_issued["summary"]


async def timed(client: httpx.AsyncClient, path: str, read_after: str) -> tuple[Any, ...]:
    started = time.monotonic()
    answer = await client.get(path, headers={**ALICE, "Pressroom-Read-After": read_after})
    stale = answer.headers.get("pressroom-stale")
    return answer.status_code, stale, answer.json().get("type"), time.monotonic() - started


@pytest.mark.parametrize("version", [1, 3, 99])
async def test_read_after_on_someone_else_s_release_answers_as_for_a_missing_one(
    client: httpx.AsyncClient, version: int
) -> None:
    status, stale, kind, _ = await timed(client, "/v1/releases/theirs", f"theirs:{version}")
    missing = await timed(client, "/v1/releases/nowhere", f"nowhere:{version}")
    assert (status, stale, kind) == missing[:3] and status == 404
    # Neither is waited for (the read model is never asked to wait): the same path, at once.
    assert READS.waits == []


async def test_read_after_naming_someone_else_s_release_on_another_route_is_stale_at_once(
    client: httpx.AsyncClient,
) -> None:
    status, stale, _, _ = await timed(client, "/v1/releases", "theirs:1")
    assert (status, stale) == (200, "true") and READS.waits == []


async def test_read_after_on_one_s_own_caught_up_release_answers_at_once_and_fresh(
    client: httpx.AsyncClient,
) -> None:
    status, stale, _, _ = await timed(client, "/v1/releases/r1", "r1:3")
    assert (status, stale) == (200, None)
