"""Publication routes (publish, withdraw, unpublish) and corrections: over fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from events.drafting import StartCorrection
from events.envelope import Envelope
from events.publication import PublishRelease, UnpublishRelease, WithdrawRelease
from events.replies import CommandOutcome, OutcomeStatus, Problem
from events.topics import commands_topic
from services.gateway.app import create_app
from services.gateway.fakes import FakeCommandBus, FakeReadModel
from services.kit.settings import Settings

CAROL = {"Authorization": "Bearer dev-carol"}
SAM = {"Authorization": "Bearer dev-sam"}
PUBLICATION = "pressroom.publication.commands"
DRAFTING = "pressroom.drafting.commands"


def accept(envelope: Envelope[Any]) -> CommandOutcome:
    return CommandOutcome(
        command_id=envelope.id,
        command_type=envelope.data.ce_type(),
        release_id=envelope.subject,
        status=OutcomeStatus.ACCEPTED,
        stream_version=3,
        events=["e1"],
    )


def refuse(status: OutcomeStatus, slug: str) -> Any:
    problem = Problem(type=f"urn:pressroom:problem:{slug}", title=slug, detail=f"{slug}!")

    def respond(envelope: Envelope[Any]) -> CommandOutcome:
        update = {"status": status, "problem": problem, "events": []}
        return accept(envelope).model_copy(update=update)

    return respond


def release(release_id: str = "r1", org: str = "fco", **extra: Any) -> dict[str, Any]:
    return {
        "release_id": release_id,
        "title": "UK and Japan",
        "lead_organisation": org,
        "organisations": [org],
        "collaborators": [],
        "created_by": "alice",
        "status": "approved",
        "versions": {"drafting": 2, "publication": 1},
        **extra,
    }


def topic(envelope: Envelope[Any]) -> str:
    return commands_topic(envelope.data.service)


@pytest.fixture
def bus() -> FakeCommandBus:
    return FakeCommandBus(respond=accept)


@pytest.fixture
def reads() -> FakeReadModel:
    return FakeReadModel(releases_by_id={"r1": release(), "mod1": release("mod1", org="mod")})


@pytest.fixture
async def client(bus: FakeCommandBus, reads: FakeReadModel) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(demo_tokens=True, reply_timeout_s=0.1), bus=bus, reads=reads)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


async def test_publish_sends_publish_release_to_publication(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    body = {"update_type": "major", "change_note": "Corrected the date"}

    response = await client.post("/v1/releases/r1/publish", json=body, headers=CAROL)

    assert response.status_code == 200, response.text
    (sent,) = bus.sent
    assert isinstance(sent.data, PublishRelease) and topic(sent) == PUBLICATION
    assert (sent.data.release_id, sent.data.actor.id) == ("r1", "carol")
    assert (sent.data.update_type, sent.data.change_note) == ("major", "Corrected the date")


async def test_publish_needs_no_body_for_a_first_edition(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    response = await client.post("/v1/releases/r1/publish", headers=CAROL)

    assert response.status_code == 200, response.text
    assert isinstance(bus.sent[0].data, PublishRelease)
    assert (bus.sent[0].data.update_type, bus.sent[0].data.change_note) == (None, "")


@pytest.mark.parametrize("status", ["scheduled", "deferred"])
async def test_publish_under_an_embargo_the_read_model_knows_of_is_refused_before_sending(
    client: httpx.AsyncClient, bus: FakeCommandBus, reads: FakeReadModel, status: str
) -> None:
    reads.releases_by_id["r1"] = release(embargo_status=status)

    response = await client.post("/v1/releases/r1/publish", headers=CAROL)

    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("under-embargo") and bus.sent == []


async def test_publish_after_the_lift_is_sent(
    client: httpx.AsyncClient, bus: FakeCommandBus, reads: FakeReadModel
) -> None:
    reads.releases_by_id["r1"] = release(embargo_status="lifted")

    response = await client.post("/v1/releases/r1/publish", headers=CAROL)

    assert response.status_code == 200, response.text
    assert isinstance(bus.sent[0].data, PublishRelease)


async def test_withdraw_sends_the_explanation_to_publication(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    body = {"explanation": "Superseded by the joint statement"}

    response = await client.post("/v1/releases/r1/withdraw", json=body, headers=CAROL)

    assert response.status_code == 200, response.text
    (sent,) = bus.sent
    assert isinstance(sent.data, WithdrawRelease) and topic(sent) == PUBLICATION
    assert sent.data.explanation == "Superseded by the joint statement"


@pytest.mark.parametrize(
    ("body", "unpublish_type", "redirect_url"),
    [
        ({"type": "gone"}, "gone", None),
        ({"type": "redirect", "redirect_url": "https://x.gov/y"}, "redirect", "https://x.gov/y"),
        ({"type": "vanish"}, "vanish", None),
    ],
)
async def test_unpublish_maps_the_body_type_to_unpublish_type(
    client: httpx.AsyncClient,
    bus: FakeCommandBus,
    body: dict[str, str],
    unpublish_type: str,
    redirect_url: str | None,
) -> None:
    response = await client.post("/v1/releases/r1/unpublish", json=body, headers=CAROL)

    assert response.status_code == 200, response.text
    (sent,) = bus.sent
    assert isinstance(sent.data, UnpublishRelease) and topic(sent) == PUBLICATION
    assert sent.data.type == "UnpublishRelease"
    assert (sent.data.unpublish_type, sent.data.redirect_url) == (unpublish_type, redirect_url)


async def test_corrections_sends_start_correction_to_drafting(
    client: httpx.AsyncClient, bus: FakeCommandBus
) -> None:
    response = await client.post("/v1/releases/r1/corrections", headers=CAROL)

    assert response.status_code == 200, response.text
    (sent,) = bus.sent
    assert isinstance(sent.data, StartCorrection) and topic(sent) == DRAFTING
    assert sent.data.release_id == "r1"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/releases/r1/publish", {"update_type": "huge"}),
        ("/v1/releases/r1/publish", {"surprise": 1}),
        ("/v1/releases/r1/withdraw", {}),
        ("/v1/releases/r1/withdraw", {"explanation": "x" * 2001}),
        ("/v1/releases/r1/unpublish", {}),
        ("/v1/releases/r1/unpublish", {"type": "delete"}),
        ("/v1/releases/r1/unpublish", {"unpublish_type": "gone"}),
    ],
)
async def test_a_bad_body_is_a_422_problem_and_nothing_is_sent(
    client: httpx.AsyncClient, bus: FakeCommandBus, path: str, body: dict[str, Any]
) -> None:
    response = await client.post(path, json=body, headers=CAROL)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert bus.sent == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/releases/mod1/publish", {}),
        ("/v1/releases/mod1/withdraw", {"explanation": "Wrong"}),
        ("/v1/releases/mod1/unpublish", {"type": "gone"}),
        ("/v1/releases/mod1/corrections", None),
        ("/v1/releases/nope/publish", {}),
    ],
)
async def test_a_release_the_caller_may_not_read_is_a_404_and_nothing_is_sent(
    client: httpx.AsyncClient, bus: FakeCommandBus, path: str, body: dict[str, Any] | None
) -> None:
    for headers in (CAROL, SAM):
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 404, (headers, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert bus.sent == []


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (OutcomeStatus.FORBIDDEN, 403),
        (OutcomeStatus.CONFLICT, 409),
        (OutcomeStatus.INVALID, 422),
    ],
)
async def test_a_refusal_is_answered_as_a_problem(
    client: httpx.AsyncClient, bus: FakeCommandBus, status: OutcomeStatus, code: int
) -> None:
    bus.respond = refuse(status, "refused")

    response = await client.post(
        "/v1/releases/r1/unpublish",
        json={"type": "redirect", "redirect_url": "http://x"},
        headers=CAROL,
    )

    assert response.status_code == code
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:pressroom:problem:refused"
