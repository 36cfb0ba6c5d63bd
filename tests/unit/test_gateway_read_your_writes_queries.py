"""The read-your-writes GET asks the read model no more than it needs (issue 15): a release
already at the version asked for is one read and no wait; one still behind is waited for, then
read once more; who may not read it still gets the 404, and waits as before; a release never
published is read without a query for deliveries it cannot have."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from services.gateway import read_access
from tests.fakes.gateway import gateway_client
from tests.fakes.read_model import FakeReadModel
from tests.unit.test_gateway_routes import release

ALICE = {"Authorization": "Bearer dev-alice"}


@pytest.fixture
def reads() -> FakeReadModel:
    # r1 is at drafting version 3; "theirs" belongs to an organisation alice is not in.
    return FakeReadModel(releases_by_id={"r1": release(), "theirs": release("theirs", org="mod")})


@pytest.fixture
async def client(
    reads: FakeReadModel, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setattr(read_access, "READ_AFTER_WAIT_S", 0.2)
    async with gateway_client(reads) as http:
        yield http


async def test_a_release_already_at_the_version_asked_is_read_once_and_not_waited_for(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    answer = await client.get("/v1/releases/r1", params={"min_version": 3}, headers=ALICE)
    assert answer.status_code == 200, answer.text
    assert "Pressroom-Stale" not in answer.headers
    assert answer.json()["release_id"] == "r1"
    assert (reads.release_reads, reads.waits) == (["r1"], [])


async def test_a_release_behind_the_version_asked_is_waited_for_then_read_again_once(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    answer = await client.get("/v1/releases/r1", params={"min_version": 4}, headers=ALICE)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Pressroom-Stale"] == "true"  # the fake never reaches version 4
    assert reads.waits == [("r1", 4, "drafting")]
    assert reads.release_reads == ["r1", "r1"]


async def test_someone_else_s_release_at_the_version_asked_is_still_not_found(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    answer = await client.get("/v1/releases/theirs", params={"min_version": 1}, headers=ALICE)
    assert answer.status_code == 404
    assert reads.waits == []


async def test_the_version_compared_is_the_one_of_the_stream_named(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    reads.releases_by_id["r1"]["versions"] = {"drafting": 5, "approval": 1}
    behind = await client.get(
        "/v1/releases/r1", params={"min_version": "approval:3"}, headers=ALICE
    )
    ahead = await client.get("/v1/releases/r1", params={"min_version": "3"}, headers=ALICE)
    assert behind.headers["Pressroom-Stale"] == "true"
    assert "Pressroom-Stale" not in ahead.headers
    assert reads.waits == [("r1", 3, "approval")]


async def test_a_release_never_published_is_read_without_asking_for_its_deliveries(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    answer = await client.get("/v1/releases/r1", params={"min_version": 3}, headers=ALICE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["deliveries"] == []
    assert reads.delivery_reads == []  # deliveries follow an edition: a draft has none


async def test_a_published_release_is_read_with_its_deliveries() -> None:
    published = release() | {"public_edition": 1, "publication_status": "published"}
    sent = {
        "delivery_id": "d1", "release_id": "r1", "subscriber_id": "s1", "edition": 1,
        "notice": "published", "status": "succeeded", "attempts": 1,
        "first_attempt_at": datetime(2026, 1, 1, tzinfo=UTC),
    }  # fmt: skip
    reads = FakeReadModel(releases_by_id={"r1": published}, deliveries=[sent])
    async with gateway_client(reads) as http:
        answer = await http.get("/v1/releases/r1", headers=ALICE)
    assert answer.status_code == 200, answer.text
    assert [d["delivery_id"] for d in answer.json()["deliveries"]] == ["d1"]
    assert reads.delivery_reads == ["r1"]
