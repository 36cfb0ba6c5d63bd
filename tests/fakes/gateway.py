"""The gateway app over the fakes, for unit tests: an HTTP client to it, and command responders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from events.envelope import Envelope
from events.replies import CommandOutcome, OutcomeStatus, Problem
from services.gateway.app import create_app
from services.kit.settings import Settings
from tests.fakes.command_bus import FakeCommandBus, Responder
from tests.fakes.read_model import FakeReadModel

# A responder that always answers (a Responder may also play a reply that never came).
Answering = Callable[[Envelope[Any]], CommandOutcome]


def accepting(stream_version: int) -> Answering:
    """Accepts every command: the stream is at `stream_version` after it."""

    def respond(envelope: Envelope[Any]) -> CommandOutcome:
        return CommandOutcome(
            command_id=envelope.id, command_type=envelope.data.ce_type(),
            release_id=envelope.subject, status=OutcomeStatus.ACCEPTED,
            stream_version=stream_version, events=["e1"],
        )  # fmt: skip

    return respond


def refusing(status: OutcomeStatus, slug: str, stream_version: int = 3) -> Responder:
    """Refuses every command with the problem `urn:pressroom:problem:<slug>`."""
    problem = Problem(type=f"urn:pressroom:problem:{slug}", title=slug, detail=f"{slug}!")
    accept = accepting(stream_version)

    def respond(envelope: Envelope[Any]) -> CommandOutcome:
        update = {"status": status, "problem": problem, "events": []}
        return accept(envelope).model_copy(update=update)

    return respond


@asynccontextmanager
async def gateway_client(
    reads: FakeReadModel,
    bus: FakeCommandBus | None = None,
    settings: Settings | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app; without a bus, no reply ever comes (the public side sends none)."""
    bus = bus or FakeCommandBus(respond=lambda _: None)
    app = create_app(
        settings or Settings(demo_tokens=True, reply_timeout_s=0.1), bus=bus, reads=reads
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http
