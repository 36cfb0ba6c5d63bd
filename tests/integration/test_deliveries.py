"""Deliveries on the real Kafka, PostgreSQL, publication process, an HTTP receiver and an SMTP
server on loopback: signed webhooks and email for each edition, corrections and withdrawals to
everyone who had an edition, retries with backoff in order, DeliveryFailed when a receiver never
recovers (the others unaffected), redelivery, and no delivery lost when the service is killed
mid-delivery (a duplicate only ever carries the same delivery id)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from typer.testing import CliRunner

from cli.main import app
from events.kafka import encode
from events.publication import WithdrawRelease
from events.replies import OutcomeStatus
from events.subscribers import RegisterSubscriber, RemoveSubscriber
from events.topics import PUBLICATION_COMMANDS
from services.publication.signing import ID_HEADER
from tests.e2e.stack_fixture import Stack
from tests.integration.delivery_support import (
    CAROL,
    Mailbox,
    Receiver,
    corrected,
    delivery_events,
    mailto,
    published_release,
    register,
    webhook,
)
from tests.sealing_support import SECRET
from tests.support import (
    command_envelope,
    eventually,
    send_command,
    send_record,
    wait_for_reply,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def topic() -> str:
    return f"deliveries-{uuid.uuid4().hex[:10]}"


def of(release_id: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [body for body in bodies if body["release_id"] == release_id]


async def test_each_edition_and_the_withdrawal_reach_the_webhook_signed_and_the_inbox(
    stack: Stack, receiver: Receiver, mailbox: Mailbox, topic: str
) -> None:
    bootstrap = stack.settings.kafka_bootstrap
    url, hook = receiver.hook()
    address = f"desk-{uuid.uuid4().hex[:8]}@news.example"
    await register(bootstrap, topic, **webhook(url))
    await register(bootstrap, topic, **mailto(address))

    release_id, approved_hash = await published_release(bootstrap, topic)
    [first] = await eventually(check(lambda: of(release_id, hook.bodies())), what="edition 1")
    headers, raw, _ = hook.calls[0]
    # The receiver verifies with the official Standard Webhooks library (it raises if not).
    assert Webhook(SECRET).verify(raw, headers)["delivery_id"] == first["delivery_id"]
    assert headers[ID_HEADER] == first["delivery_id"]
    assert first["notice"] == "published" and first["edition"] == 1
    assert first["content_hash"] == approved_hash, "exactly the approved content"
    await ninjs_names_the_topic(first["url"], release_id, topic)
    [mail] = await eventually(check(lambda: mailbox.to(address)), what="the first email")
    assert mail["Subject"] == "UK and Japan"
    assert {part.get_content_type() for part in mail.walk()} >= {"text/plain", "text/html"}

    second_hash = await corrected(bootstrap, release_id, topic, "Corrected the date.")
    await eventually(check(lambda: len(of(release_id, hook.bodies())) == 2), what="edition 2")
    second = of(release_id, hook.bodies())[1]
    assert (second["edition"], second["change_note"]) == (2, "Corrected the date.")
    assert second["content_hash"] == second_hash and second["delivery_id"] != first["delivery_id"]
    await eventually(check(lambda: len(mailbox.to(address)) == 2), what="the correction email")
    correction_mail = mailbox.to(address)[1]
    assert correction_mail["Subject"] == "Updated: UK and Japan"
    assert "Corrected the date." in correction_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    withdraw = WithdrawRelease(release_id=release_id, actor=CAROL, explanation="Superseded.")
    assert (await send_command(bootstrap, PUBLICATION_COMMANDS, withdraw)).status == "accepted"
    await eventually(check(lambda: len(of(release_id, hook.bodies())) == 3), what="withdrawal")
    notices = [(b["notice"], b["edition"]) for b in of(release_id, hook.bodies())]
    assert notices == [("published", 1), ("published", 2), ("withdrawn", 2)]
    await eventually(check(lambda: len(mailbox.to(address)) == 3), what="the withdrawal email")
    assert mailbox.to(address)[2]["Subject"] == "Withdrawn: UK and Japan"
    assert len(hook.calls) == 3, "each notice delivered once"


async def test_a_receiver_failing_three_times_gets_each_notice_once_and_in_order(
    stack: Stack, receiver: Receiver, topic: str
) -> None:
    bootstrap = stack.settings.kafka_bootstrap
    url, hook = receiver.hook(fail_first=3)
    subscriber = await register(bootstrap, topic, **webhook(url))
    first, _ = await published_release(bootstrap, topic)
    later, _ = await published_release(bootstrap, topic)

    await eventually(check(lambda: len(hook.bodies()) == 2), what="both releases delivered")
    calls = [(code, body["release_id"]) for body, code in _decoded(hook)]
    assert calls[:3] == [(503, first)] * 3, "retried with backoff"
    assert calls[3:] == [(200, first), (200, later)], "the later one waited its turn"
    assert len({body["delivery_id"] for body, _ in _decoded(hook)[:4]}) == 1
    [succeeded] = await eventually(
        lambda: delivery_events(bootstrap, first, "DeliverySucceeded", subscriber)
    )
    assert succeeded.attempt == 4
    attempts = await delivery_events(bootstrap, first, "DeliveryAttempted", subscriber)
    assert [a.succeeded for a in attempts] == [False, False, False, True]
    # Writers see the status and its reason, never what the receiver wrote (its error page).
    assert [a.detail for a in attempts] == ["HTTP 503 Service Unavailable"] * 3 + ["HTTP 200 OK"]


async def test_a_receiver_that_never_recovers_fails_visibly_and_alone_until_redelivered(
    stack: Stack, receiver: Receiver, topic: str
) -> None:
    bootstrap = stack.settings.kafka_bootstrap
    broken_url, broken = receiver.hook(fail_always=True)
    fine_url, fine = receiver.hook()
    broken_id = await register(bootstrap, topic, **webhook(broken_url))
    await register(bootstrap, topic, **webhook(fine_url))
    release_id, _ = await published_release(bootstrap, topic)

    [failed] = await eventually(
        lambda: delivery_events(bootstrap, release_id, "DeliveryFailed", broken_id),
        what="DeliveryFailed",
    )
    assert failed.subscriber_id == broken_id and failed.attempts == 5
    assert "HTTP 503" in failed.reason
    assert len(broken.calls) == 5 and [b["release_id"] for b in fine.bodies()] == [release_id]

    listed = await eventually(
        lambda: _dlq_list_mentions(release_id), what="the failed delivery in `pressroom dlq list`"
    )
    assert broken_id in listed and "HTTP 503" in listed

    broken.fail_always = False
    code, output = await asyncio.to_thread(
        invoke, "dlq", "redeliver", broken_id, "--release", release_id
    )
    assert code == 0, output
    await eventually(check(lambda: broken.bodies()), what="the redelivery")
    succeeded = await eventually(
        lambda: delivery_events(bootstrap, release_id, "DeliverySucceeded"), what="success"
    )
    assert [e.attempt for e in succeeded if e.subscriber_id == broken_id] == [6]
    refused, output = await asyncio.to_thread(invoke, "dlq", "redeliver", "sub-nobody")
    assert refused == 1 and "no active subscriber" in output


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})  # whole table cells
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


async def _dlq_list_mentions(release_id: str) -> str | None:
    code, output = await asyncio.to_thread(invoke, "dlq", "list", "--release", release_id)
    return output if code == 0 and "1 failed deliveries" in output else None


async def test_killed_mid_delivery_the_service_delivers_after_restart_with_the_same_id(
    stack: Stack, receiver: Receiver, topic: str
) -> None:
    bootstrap = stack.settings.kafka_bootstrap
    url, hook = receiver.hook(hang=asyncio.Event())
    subscriber = await register(bootstrap, topic, **webhook(url))
    release_id, _ = await published_release(bootstrap, topic)
    await asyncio.wait_for(hook.hung.wait(), timeout=60)  # the service is mid-request now

    stack.processes["publication"].kill()
    assert hook.hang is not None
    hook.hang.set()  # the killed request completes into a closed socket: not a delivery
    stack.processes["publication"].start()

    await eventually(check(lambda: len(hook.calls) >= 2), timeout=120, what="the redelivery")
    ids = {headers[ID_HEADER] for headers, _, _ in hook.calls}
    assert len(ids) == 1, "a duplicate carries the same delivery id"
    succeeded = await eventually(
        lambda: delivery_events(bootstrap, release_id, "DeliverySucceeded", subscriber)
    )
    assert len(succeeded) == 1


async def ninjs_names_the_topic(url: str, release_id: str, topic: str) -> None:
    """The delivered link leads to this release (every test release has the same title, so the
    plain slug is an earlier one's), and its ninjs carries the edition's topic and language."""

    async def ninjs() -> dict[str, Any] | None:
        async with httpx.AsyncClient(timeout=30, follow_redirects=True) as public:
            response = await public.get(f"{url}.ninjs")
        return response.json() if response.status_code == 200 else None

    document = await eventually(ninjs, what="the ninjs document")
    assert document["uri"] == f"urn:pressroom:release:{release_id}"
    assert document["language"] == "en"
    assert {"name": topic, "rel": "about"} in document["subjects"]


def _decoded(hook: Any) -> list[tuple[dict[str, Any], int]]:
    return [(json.loads(body), code) for _, body, code in hook.calls]


def check(condition: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
    """A plain condition as the async probe `eventually` polls."""

    async def probe() -> Any:
        return condition()

    return probe


async def test_a_removed_subscriber_hears_nothing_more(
    stack: Stack, receiver: Receiver, topic: str
) -> None:
    bootstrap = stack.settings.kafka_bootstrap
    url, hook = receiver.hook()
    subscriber_id = await register(bootstrap, topic, **webhook(url))
    remove = RemoveSubscriber(subscriber_id=subscriber_id, actor=CAROL)
    assert (await send_command(bootstrap, PUBLICATION_COMMANDS, remove)).status == "accepted"
    release_id, _ = await published_release(bootstrap, topic)
    await eventually(lambda: delivery_events(bootstrap, release_id, "ReleasePublished"))
    again = await send_command(bootstrap, PUBLICATION_COMMANDS, remove)
    assert again.status is OutcomeStatus.NOT_FOUND
    assert hook.calls == []


async def test_the_sender_refuses_an_address_the_deployment_does_not_allow(
    stack: Stack, topic: str
) -> None:
    """Registered over Kafka (publication's decide takes a literal loopback address; the gateway
    would refuse it), the webhook to [::1] is refused at send time: the test stack allows only
    127.0.0.0/8. The attempt fails with the reason, and no connection is made."""
    bootstrap = stack.settings.kafka_bootstrap
    subscriber = await register(bootstrap, topic, **webhook("http://[::1]:9/hook"))
    release_id, _ = await published_release(bootstrap, topic)
    [first, *_] = await eventually(
        lambda: delivery_events(bootstrap, release_id, "DeliveryAttempted", subscriber),
        what="an attempt",
    )
    assert not first.succeeded, first.detail
    assert first.detail.startswith("address refused") and "::1 is loopback" in first.detail


async def test_a_subscriber_command_keyed_by_another_stream_is_dead_lettered(stack: Stack) -> None:
    """A bot's RegisterSubscriber whose ce_subject is not its subscriber id: refused as
    undecodable (it sits in pressroom.publication.dlq with the reason), nothing registered."""
    bootstrap = stack.settings.kafka_bootstrap
    command = RegisterSubscriber(
        subscriber_id=f"sub-test-{uuid.uuid4().hex[:8]}", actor=CAROL, name="Wrong key",
        channel="email", email="desk@news.example",
    )  # fmt: skip
    envelope = command_envelope(command).model_copy(update={"subject": "someone-else"})
    await send_record(bootstrap, PUBLICATION_COMMANDS, encode(envelope))
    reply = await wait_for_reply(bootstrap, envelope.id)
    assert reply.status is OutcomeStatus.UNDECODABLE and reply.problem is not None
    assert "stream" in reply.problem.detail
