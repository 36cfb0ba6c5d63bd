"""No secret in any log: a whole flow over the test stack's gateway (demo tokens, a webhook with
its secret, failed authentications with made-up tokens, a URL carrying credentials), then every
log file the stack wrote is searched for every one of them (and for the Kafka password when the
suite runs over SASL_SSL)."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

import pytest

from dev_tools.demo.sample import parse_release, sample_text
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_subscribers_http import delivery_to, published_on
from tests.integration.delivery_support import Receiver
from tests.sealing_support import new_secret

pytestmark = pytest.mark.integration
USED_TOKENS = ("dev-alice", "dev-carol", "dev-erin", "dev-frank", "dev-mark", "dev-olga")


def log_files(data_dir: Path) -> list[Path]:
    """Every log the stack writes: the processes' (logs/), Kafka's and PostgreSQL's. Kafka's
    segment files are named *.log too, but they are the topics' data, not logs."""
    return sorted(path for path in data_dir.rglob("*") if path.is_file() and "logs" in path.parts)


def hits(files: list[Path], secret: str) -> list[str]:
    needle = secret.encode()
    return [str(path) for path in files if needle in path.read_bytes()]


async def test_no_token_key_or_webhook_secret_reaches_any_log(
    stack: Stack, receiver: Receiver
) -> None:
    webhook_secret = new_secret()
    made_up = ["bogus-" + secrets.token_urlsafe(16), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."]
    url_password = "pw-" + secrets.token_urlsafe(12)
    too_short = "s-" + secrets.token_urlsafe(6)  # refused as a secret: must not be echoed either
    topic = f"no-secret-{uuid.uuid4().hex[:8]}"
    url, _ = receiver.hook()
    async with stack.client("dev-carol") as carol:
        registration = {
            "name": "Wire", "channel": "webhook", "url": url, "secret": webhook_secret,
            "filters": {"topics": [topic]},
        }  # fmt: skip
        created = await carol.post("/v1/subscribers", json=registration)
        assert created.status_code == 201, created.text
        with_password = {**registration, "url": f"https://desk:{url_password}@wire.example/h"}
        assert (await carol.post("/v1/subscribers", json=with_password)).status_code == 422
        short = {**registration, "secret": too_short}
        assert (await carol.post("/v1/subscribers", json=short)).status_code == 422
        release_id = await published_on(stack, topic)
        await delivery_to(carol, release_id, created.json()["subscriber_id"], "succeeded")
    for token in made_up:
        async with stack.client(token) as stranger:
            assert (await stranger.get("/v1/releases")).status_code == 401
    async with stack.client("dev-mark") as mark, stack.client("dev-olga") as olga:
        content = parse_release(sample_text(), "fco").model_dump(mode="json")
        assert (await mark.post("/v1/releases", json={"content": content})).status_code == 403
        assert (await olga.get("/v1/subscribers")).status_code == 200

    files = log_files(stack.settings.data_dir)
    assert hits(files, "http_request"), "the gateway's access log is among the files searched"
    used = [*USED_TOKENS, *made_up, webhook_secret, url_password, too_short]
    kafka_password = stack.settings.kafka_password.get_secret_value()
    used += [kafka_password] if kafka_password else []  # the suite over SASL_SSL
    leaks = {secret: hits(files, secret) for secret in used}
    assert {secret: where for secret, where in leaks.items() if where} == {}
