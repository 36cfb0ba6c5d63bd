"""Subscribers and deliveries over HTTP only: a press officer registers a webhook for one topic,
the release is approved and published, the receiver never answers so the delivery fails — and
GET /v1/releases/{id} says so; the receiver recovers, a redelivery gets through with the same
delivery id; the subscriber is removed. Bad registrations get clear problems."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from dev_tools.demo.sample import parse_release, sample_text
from events.topics import PUBLICATION_COMMANDS
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_approval_http import approve, assert_problem, reviewed, until_approval
from tests.integration.delivery_support import Receiver
from tests.sealing_support import SECRET, TEST_BOX
from tests.support import eventually, read_topic

pytestmark = pytest.mark.integration
DELIVERY_WAIT_S = 90.0


async def published_on(stack: Stack, topic: str) -> str:
    """The sample release on `topic`, approved by erin and frank and published by carol."""
    content = parse_release(sample_text(), "fco").model_dump(mode="json")
    content["topics"] = [topic]
    async with stack.client("dev-alice") as alice, stack.client("dev-carol") as carol:
        created = await alice.post("/v1/releases", json={"content": content})
        assert created.status_code == 201, created.text
        release_id = str(created.json()["release_id"])
        etag = created.headers["ETag"]
        submitted = await alice.post(
            f"/v1/releases/{release_id}/submit", headers={"If-Match": etag}
        )
        assert submitted.status_code == 200, submitted.text
        pending = await until_approval(alice, release_id, "pending")
        async with stack.client("dev-erin") as erin, stack.client("dev-frank") as frank:
            assert (await approve(erin, release_id, "policy", reviewed(pending))).status_code == 200
            assert (await approve(frank, release_id, "legal", reviewed(pending))).status_code == 200
        await until_approval(alice, release_id, "approved")

        async def publish() -> bool:
            response = await carol.post(f"/v1/releases/{release_id}/publish")
            return response.status_code == 200

        await eventually(publish, DELIVERY_WAIT_S, "publication to accept the publish")
    return release_id


async def delivery_to(
    http: httpx.AsyncClient, release_id: str, subscriber_id: str, status: str
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        body = (await http.get(f"/v1/releases/{release_id}")).json()
        found = [d for d in body.get("deliveries", []) if d["subscriber_id"] == subscriber_id]
        return found[0] if found and found[0]["status"] == status else None

    return await eventually(probe, DELIVERY_WAIT_S, f"a {status} delivery to {subscriber_id}")


async def the_secret_is_nowhere_in_clear(stack: Stack, subscriber_id: str) -> None:
    """Not in the command on Kafka, not in publication's table: sealed with the stack's key."""
    secret_bytes = SECRET.removeprefix("whsec_").encode()
    records = await read_topic(
        stack.settings.kafka_bootstrap, PUBLICATION_COMMANDS,
        lambda r: r.key == subscriber_id.encode(),
    )  # fmt: skip
    assert records and all(secret_bytes not in (r.value or b"") for r in records)
    conn = await asyncpg.connect(stack.settings.pg_dsn)
    try:
        kept = await eventually(
            lambda: conn.fetchval(
                "SELECT sealed_secret FROM publication.subscriber_secrets WHERE subscriber_id = $1",
                subscriber_id,
            ),
            what="the sealed secret kept by publication",
        )
    finally:
        await conn.close()
    assert SECRET not in kept and TEST_BOX.open(kept) == SECRET


async def test_a_failed_delivery_is_visible_on_the_release_and_a_redelivery_gets_through(
    stack: Stack, receiver: Receiver
) -> None:
    topic = f"subscribers-http-{uuid.uuid4().hex[:8]}"
    url, hook = receiver.hook(fail_always=True)
    registration = {
        "name": "Newswire", "channel": "webhook", "url": url, "secret": SECRET,
        "filters": {"topics": [topic]},
    }  # fmt: skip
    async with stack.client("dev-carol") as carol:
        created = await carol.post("/v1/subscribers", json=registration)
        assert created.status_code == 201, created.text
        subscriber_id = created.json()["subscriber_id"]
        assert created.headers["Location"] == f"/v1/subscribers/{subscriber_id}"
        assert "secret" not in created.json()
        await the_secret_is_nowhere_in_clear(stack, subscriber_id)

        release_id = await published_on(stack, topic)
        failed = await delivery_to(carol, release_id, subscriber_id, "failed")
        assert failed["attempts"] == 5 and "HTTP 503" in failed["failure_reason"]
        assert failed["notice"] == "published" and failed["edition"] == 1

        hook.fail_always = False
        redelivered = await carol.post(
            f"/v1/subscribers/{subscriber_id}/redeliver", json={"release_id": release_id}
        )
        assert redelivered.status_code == 200, redelivered.text
        succeeded = await delivery_to(carol, release_id, subscriber_id, "succeeded")
        assert succeeded["attempts"] == 6 and succeeded["failure_reason"] is None
        ids = {headers["webhook-id"] for headers, _, _ in hook.calls}
        assert ids == {succeeded["delivery_id"]}, "every attempt carried the same delivery id"

        listed = (await carol.get(f"/v1/subscribers/{subscriber_id}")).json()
        assert listed["secret_fingerprint"] and SECRET not in str(listed)
        assert [d["delivery_id"] for d in listed["deliveries"]] == [succeeded["delivery_id"]]
        assert (await carol.delete(f"/v1/subscribers/{subscriber_id}")).status_code == 200
        assert_problem(await carol.delete(f"/v1/subscribers/{subscriber_id}"), 404)


async def test_bad_registrations_get_problems_that_say_what_to_fix(stack: Stack) -> None:
    webhook = {"name": "Wire", "channel": "webhook", "secret": SECRET}
    async with stack.client("dev-carol") as carol, stack.client("dev-alice") as alice:
        plain_http = await carol.post(
            "/v1/subscribers", json={**webhook, "url": "http://newswire.example/hook"}
        )
        assert "https" in assert_problem(plain_http, 422)["detail"]
        short = await carol.post(
            "/v1/subscribers", json={**webhook, "url": "https://a.example", "secret": "short"}
        )
        assert_problem(short, 422)
        no_address = await carol.post("/v1/subscribers", json={"name": "Desk", "channel": "email"})
        assert "email" in assert_problem(no_address, 422)["detail"]
        writer = await alice.post("/v1/subscribers", json={**webhook, "url": "https://a.example"})
        assert_problem(writer, 403)
        assert_problem(await alice.get("/v1/subscribers"), 403)
        assert_problem(await carol.get("/v1/subscribers/sub-nobody"), 404)
