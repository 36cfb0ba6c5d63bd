"""What the delivery tests stand up on loopback: a webhook receiver (aiohttp) that can fail, hang
or recover on command, an SMTP server (aiosmtpd), and releases taken to publication through the
real services, each with a topic of its own so a test's subscribers hear only its releases."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller

from events.actor import Actor
from events.approval import ApprovalRequested, ApproveStage
from events.catalog import REGISTRY
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import CreateDraft, ReviseDraft, StartCorrection, SubmitDraft
from events.kafka import decode
from events.publication import PublishRelease, UpdateType
from events.replies import OutcomeStatus
from events.subscribers import RegisterSubscriber, SubscriberFilters
from events.topics import (
    APPROVAL_COMMANDS,
    APPROVAL_EVENTS,
    DRAFTING_COMMANDS,
    PUBLICATION_COMMANDS,
    PUBLICATION_EVENTS,
)
from tests.integration.embargo_support import ALICE, APPROVERS
from tests.sealing_support import sealed_webhook
from tests.support import eventually, read_topic, send_command

CAROL = Actor(id="carol", roles=["press-officer"], organisation="fco")


# --- the webhook receiver ------------------------------------------------------------------------

RECEIVER_PRIVATE_TEXT = "not now (upstream token rcv-private-7f3a)"


@dataclass
class Hook:
    """One receiver path's behaviour: fail the first `fail_first` calls, `fail_always`, or hang
    until `release` is set; every call is recorded (headers and raw body)."""

    fail_first: int = 0
    fail_always: bool = False
    hang: asyncio.Event | None = None
    calls: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    hung: asyncio.Event = field(default_factory=asyncio.Event)

    def bodies(self, status: int | None = 200) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, code in self.calls if status in (None, code)]


@dataclass
class Receiver:
    base_url: str
    hooks: dict[str, Hook] = field(default_factory=dict)

    def hook(self, **behaviour: Any) -> tuple[str, Hook]:
        path = f"/hook-{uuid.uuid4().hex[:12]}"
        self.hooks[path] = Hook(**behaviour)
        return f"{self.base_url}{path}", self.hooks[path]

    async def handle(self, request: web.Request) -> web.Response:
        hook, body = self.hooks.get(request.path), await request.read()
        if hook is None:
            return web.Response(status=404)
        status = self._status(hook)
        if hook.hang is not None and not hook.hang.is_set():
            hook.hung.set()
            await hook.hang.wait()
        hook.calls.append((dict(request.headers), body, status))
        # A failing receiver's page holds something of its own: it must never reach a reader.
        return web.Response(status=status, text="ok" if status == 200 else RECEIVER_PRIVATE_TEXT)

    @staticmethod
    def _status(hook: Hook) -> int:
        failing = hook.fail_always or len(hook.calls) < hook.fail_first
        return 503 if failing else 200


async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver(base_url="")
    app = web.Application()
    app.router.add_post("/{path:.*}", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.base_url = f"http://127.0.0.1:{port}"
    yield receiver
    await runner.cleanup()


# --- the SMTP server -----------------------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, _class=EmailMessage, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for rcpts, message in self.messages if address in rcpts]


def running_mailbox(port: int) -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox


# --- subscribers and releases --------------------------------------------------------------------


async def register(bootstrap: str, topic: str, **channel: Any) -> str:
    subscriber_id = f"sub-test-{uuid.uuid4().hex[:12]}"
    command = RegisterSubscriber(
        subscriber_id=subscriber_id, actor=CAROL, name="Test subscriber",
        filters=SubscriberFilters(topics=[topic]), **channel,
    )  # fmt: skip
    outcome = await send_command(bootstrap, PUBLICATION_COMMANDS, command)
    assert outcome.status is OutcomeStatus.ACCEPTED, outcome
    return subscriber_id


def webhook(url: str) -> dict[str, Any]:
    return sealed_webhook(url)


def mailto(address: str) -> dict[str, Any]:
    return {"channel": "email", "email": address}


def content_on(topic: str, title: str = "UK and Japan") -> ReleaseContent:
    return ReleaseContent(title=title, body="Talks.", organisations=["fco"], topics=[topic])


async def published_release(bootstrap: str, topic: str) -> tuple[str, str]:
    """A release written, approved by people and published by a press officer: (id, hash)."""
    release_id, content = f"delivery-test-{uuid.uuid4()}", content_on(topic)
    for command in (
        CreateDraft(release_id=release_id, actor=ALICE, content=content),
        SubmitDraft(release_id=release_id, actor=ALICE),
    ):
        assert (await send_command(bootstrap, DRAFTING_COMMANDS, command)).status == "accepted"
    await approve(bootstrap, release_id, revision=1)
    await publish(bootstrap, release_id, None, "")
    return release_id, content_hash(content)


async def corrected(bootstrap: str, release_id: str, topic: str, note: str) -> str:
    """The next edition: correction started, revised, submitted, approved, published (major)."""
    start = StartCorrection(release_id=release_id, actor=ALICE)
    started = await eventually(lambda: _accepted(bootstrap, DRAFTING_COMMANDS, start))
    changes = ContentChanges(body="Talks on 8 January.")
    revise = ReviseDraft(
        release_id=release_id, actor=ALICE, expected_version=started.stream_version,
        changes=changes,
    )  # fmt: skip
    revised = await send_command(bootstrap, DRAFTING_COMMANDS, revise)
    assert revised.status is OutcomeStatus.ACCEPTED, revised
    submit = SubmitDraft(release_id=release_id, actor=ALICE)
    assert (await send_command(bootstrap, DRAFTING_COMMANDS, submit)).status == "accepted"
    await approve(bootstrap, release_id, revision=2)
    await publish(bootstrap, release_id, "major", note)
    return content_hash(content_on(topic).model_copy(update={"body": "Talks on 8 January."}))


async def approve(bootstrap: str, release_id: str, revision: int) -> str:
    """Every stage of the request for `revision` approved by people: the approved hash."""
    request = await eventually(lambda: _request(bootstrap, release_id, revision))
    for stage in request.stages:
        approve = ApproveStage(
            release_id=release_id, actor=APPROVERS[stage.name], stage=stage.name,
            revision=request.revision, content_hash=request.content_hash,
        )  # fmt: skip
        assert (await send_command(bootstrap, APPROVAL_COMMANDS, approve)).status == "accepted"
    return request.content_hash


async def publish(bootstrap: str, release_id: str, update: UpdateType | None, note: str) -> None:
    """Retried until publication has heard of the approval (its policy runs asynchronously)."""
    command = PublishRelease(
        release_id=release_id, actor=CAROL, update_type=update, change_note=note
    )
    await eventually(lambda: _accepted(bootstrap, PUBLICATION_COMMANDS, command))


async def _accepted(bootstrap: str, topic: str, command: Any) -> Any:
    outcome = await send_command(bootstrap, topic, command)
    return outcome if outcome.status is OutcomeStatus.ACCEPTED else None


async def _request(bootstrap: str, release_id: str, revision: int) -> ApprovalRequested | None:
    records = await read_topic(bootstrap, APPROVAL_EVENTS, lambda r: r.key == release_id.encode())
    found = [decode(r, REGISTRY).data for r in records]
    requests = [e for e in found if isinstance(e, ApprovalRequested) and e.revision == revision]
    return requests[-1] if requests else None


async def delivery_events(
    bootstrap: str, release_id: str, kind: str, subscriber_id: str | None = None
) -> list[Any]:
    """Each event once, as a consumer deduplicating by event id sees them: the relay publishes at
    least once, and a record sent again after a lost mark is the same event, not a second one."""
    records = await read_topic(
        bootstrap, PUBLICATION_EVENTS, lambda r: r.key == release_id.encode()
    )
    envelopes = {e.id: e for e in (decode(r, REGISTRY) for r in records)}
    found = [e.data for e in envelopes.values() if e.data.type == kind]
    # Other tests' subscribers may match the release too (the fuzzing registers catch-alls).
    if subscriber_id is None:
        return found
    return [e for e in found if getattr(e, "subscriber_id", None) == subscriber_id]
