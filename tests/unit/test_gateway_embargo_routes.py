"""Embargo routes, the calendar and the embargoed copy: over fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from events.embargo import CancelEmbargo, ChangeEmbargo, LiftEmbargoEarly, SetEmbargo
from events.envelope import Envelope
from events.replies import CommandOutcome, OutcomeStatus
from services.gateway.app import create_app
from services.gateway.fakes import FakeCommandBus, FakeReadModel
from services.kit.settings import Settings

CAROL = {"Authorization": "Bearer dev-carol"}
DAVE = {"Authorization": "Bearer dev-dave"}
ALICE = {"Authorization": "Bearer dev-alice"}
RITA = {"Authorization": "Bearer dev-rita"}
SAM = {"Authorization": "Bearer dev-sam"}
HASH = "sha256:" + "a" * 64
LIFT = datetime(2026, 1, 9, 0, 1, tzinfo=UTC)
TERMS = {"lift_at": "2026-01-09T00:01:00+00:00", "recipients": ["rita"]}


def accept(envelope: Envelope[Any]) -> CommandOutcome:
    return CommandOutcome(
        command_id=envelope.id,
        command_type=envelope.data.ce_type(),
        release_id=envelope.subject,
        status=OutcomeStatus.ACCEPTED,
        stream_version=4,
        events=["e1"],
    )


def release(release_id: str = "r1", org: str = "fco", **extra: Any) -> dict[str, Any]:
    return {
        "release_id": release_id,
        "title": "UK and Japan",
        "lead_organisation": org,
        "organisations": [org],
        "collaborators": [],
        "created_by": "alice",
        "status": "approved",
        "versions": {"drafting": 2, "embargo": 1},
        "embargo_status": "none",
        "embargo_recipient_count": 0,
        **extra,
    }


def calendar_row(release_id: str, org: str = "fco", status: str = "scheduled") -> dict[str, Any]:
    return {
        "release_id": release_id,
        "lift_at": LIFT,
        "pre_release_at": None,
        "title": "UK and Japan",
        "lead_organisation": org,
        "status": status,
        "has_recipients": True,
    }


def copy(release_id: str = "r1", recipient: str = "rita") -> dict[str, Any]:
    return {
        "release_id": release_id,
        "recipient": recipient,
        "revision": 1,
        "content_hash": HASH,
        "issued_at": datetime(2026, 1, 8, 9, tzinfo=UTC),
        "embargoed_until": LIFT,
        "content": {"title": "UK and Japan", "body": "Defence."},
    }


@pytest.fixture
def bus() -> FakeCommandBus:
    return FakeCommandBus(respond=accept)


@pytest.fixture
def reads() -> FakeReadModel:
    releases = {
        "r1": release(),
        "r2": release("r2", embargo_status="scheduled"),
        "mod1": release("mod1", org="mod"),
    }
    calendar = [calendar_row("r2"), calendar_row("mod1", org="mod")]
    return FakeReadModel(
        releases_by_id=releases, calendar=calendar, copies={("r2", "rita"): copy("r2")}
    )


@pytest.fixture
async def client(bus: FakeCommandBus, reads: FakeReadModel) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(demo_tokens=True, reply_timeout_s=0.1), bus=bus, reads=reads)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


async def test_put_sets_an_embargo_kept_in_utc_whatever_the_offset(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    terms = {"lift_at": "2026-01-09T09:01:00+09:00", "recipients": ["rita", "sam"]}

    response = await client.put("/v1/releases/r1/embargo", json=terms, headers=CAROL)

    assert response.status_code == 200, response.text
    (sent,) = bus.sent
    assert isinstance(sent.data, SetEmbargo)
    assert (sent.data.lift_at, sent.data.recipients) == (LIFT, ["rita", "sam"])
    assert response.headers["pressroom-read-after"] == "r1:embargo:4"


async def test_put_over_an_active_embargo_changes_it(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    response = await client.put("/v1/releases/r2/embargo", json=TERMS, headers=DAVE)

    assert response.status_code == 200, response.text
    assert isinstance(bus.sent[0].data, ChangeEmbargo)


async def test_a_naive_time_is_refused_naming_the_field_and_the_fix(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    terms = {"lift_at": "2026-01-09T00:01:00", "recipients": ["rita"]}

    response = await client.put("/v1/releases/r1/embargo", json=terms, headers=CAROL)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert "lift_at" in detail and "include an offset, e.g. 2026-01-09T00:01:00+00:00" in detail
    assert bus.sent == []


async def test_a_naive_pre_release_time_is_refused_too(client: httpx.AsyncClient) -> None:
    terms = {**TERMS, "pre_release_at": "2026-01-08T18:00:00"}

    response = await client.put("/v1/releases/r1/embargo", json=terms, headers=CAROL)

    assert response.status_code == 422 and "pre_release_at" in response.json()["detail"]


async def test_writers_may_not_embargo_and_other_organisations_do_not_see_the_release(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    writer = await client.put("/v1/releases/r1/embargo", json=TERMS, headers=ALICE)
    other = await client.put("/v1/releases/mod1/embargo", json=TERMS, headers=CAROL)

    assert writer.status_code == 403
    assert other.status_code == 404
    assert bus.sent == []


async def test_delete_cancels_and_post_lift_lifts_early_with_a_reason(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    cancelled = await client.delete("/v1/releases/r2/embargo", headers=CAROL)
    lifted = await client.post(
        "/v1/releases/r2/embargo/lift", json={"reason": "Leaked"}, headers=CAROL
    )
    no_reason = await client.post("/v1/releases/r2/embargo/lift", json={}, headers=CAROL)

    assert (cancelled.status_code, lifted.status_code, no_reason.status_code) == (200, 200, 422)
    assert isinstance(bus.sent[0].data, CancelEmbargo)
    assert isinstance(bus.sent[1].data, LiftEmbargoEarly) and bus.sent[1].data.reason == "Leaked"


async def test_the_calendar_shows_the_callers_organisation_in_utc_and_london_time(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/embargoes", headers=CAROL)

    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert (item["release_id"], item["lift_at"]) == ("r2", "2026-01-09T00:01:00+00:00")
    assert item["local"]["lift_at"] == "2026-01-09T00:01:00+00:00"
    assert item["local"]["lift_at_text"] == "2026-01-09 00:01 GMT"


async def test_the_calendar_renders_local_times_in_the_zone_asked(
    client: httpx.AsyncClient,
) -> None:
    tokyo = await client.get("/v1/embargoes", params={"tz": "Asia/Tokyo"}, headers=CAROL)
    nowhere = await client.get("/v1/embargoes", params={"tz": "Mars/Olympus"}, headers=CAROL)

    assert tokyo.json()["items"][0]["local"]["lift_at"] == "2026-01-09T09:01:00+09:00"
    assert nowhere.status_code == 422


async def test_a_recipient_reads_exactly_the_revision_of_her_copy(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/embargoed/r2", headers=RITA)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title"], body["revision"], body["content_hash"]) == ("UK and Japan", 1, HASH)
    assert body["embargoed_until"] == "2026-01-09T00:01:00+00:00"
    assert body["notice"] == "Embargoed until 00:01 GMT on Friday 9 January 2026"


async def test_nobody_else_reads_an_embargoed_copy(
    client: httpx.AsyncClient, reads: FakeReadModel
) -> None:
    reads.copies[("r2", "carol")] = copy("r2", "carol")  # a copy, but carol is no recipient

    for headers in (SAM, ALICE, CAROL):
        response = await client.get("/v1/embargoed/r2", headers=headers)
        assert response.status_code == 404, headers
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/embargoed/r1", headers=RITA)).status_code == 404
