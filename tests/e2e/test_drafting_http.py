"""Drafting end to end over HTTP: gateway → Kafka → drafting → outbox → projector → reads."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from dev_tools.demo.sample import parse_release, sample_text
from events.kafka import KafkaRecord
from events.topics import DRAFTING_EVENTS
from tests.e2e.stack_fixture import Stack
from tests.support import read_topic

pytestmark = pytest.mark.integration


def sample_body(title_suffix: str = "") -> dict[str, object]:
    content = parse_release(sample_text(), "fco").model_dump(mode="json")
    content["title"] = f"{content['title']}{title_suffix}"
    return {"content": content}


async def events_of(stack: Stack, release_id: str) -> list[KafkaRecord]:
    return await read_topic(
        stack.settings.kafka_bootstrap, DRAFTING_EVENTS, lambda r: r.key == release_id.encode()
    )


async def test_a_draft_created_over_http_is_listed_when_read_with_the_returned_version(
    stack: Stack,
) -> None:
    marker = uuid.uuid4().hex[:8]
    async with stack.client() as http:
        created = await http.post("/v1/releases", json=sample_body(f" {marker}"))
        assert created.status_code == 201, created.text
        release_id, version = created.json()["release_id"], created.json()["version"]
        assert version == 1 and created.headers["ETag"] == '"1"'
        listed = await http.get(
            "/v1/releases",
            params={"q": marker},
            headers={"Pressroom-Read-After": f"{release_id}:{version}"},
        )
    assert listed.status_code == 200, listed.text
    assert release_id in listed.text
    [record] = await events_of(stack, release_id)
    assert record.header("ce_type") == "pressroom.drafting.DraftCreated.v1"
    assert record.header("ce_actor") == "alice" and record.header("ce_subject") == release_id


async def test_a_stale_if_match_gets_409_and_writes_nothing(stack: Stack) -> None:
    async with stack.client() as http:
        release_id = (await http.post("/v1/releases", json=sample_body())).json()["release_id"]
        first = await http.patch(
            f"/v1/releases/{release_id}",
            json={"summary": "First edit."},
            headers={"If-Match": '"1"'},
        )
        assert first.status_code == 200, first.text
        stale = await http.patch(
            f"/v1/releases/{release_id}",
            json={"summary": "Lost update."},
            headers={"If-Match": '"1"'},
        )
        assert stale.status_code == 409
        assert stale.headers["content-type"].startswith("application/problem+json")
        detail = await http.get(f"/v1/releases/{release_id}", params={"min_version": 2})
    assert detail.json()["summary"] == "First edit."
    assert len(await events_of(stack, release_id)) == 2


async def test_a_revision_without_if_match_gets_428(stack: Stack) -> None:
    async with stack.client() as http:
        release_id = (await http.post("/v1/releases", json=sample_body())).json()["release_id"]
        response = await http.patch(f"/v1/releases/{release_id}", json={"summary": "x"})
    assert response.status_code == 428
    assert len(await events_of(stack, release_id)) == 1


async def test_a_repeated_idempotency_key_gets_the_same_response_and_no_new_event(
    stack: Stack,
) -> None:
    key = str(uuid.uuid4())
    async with stack.client() as http:
        first = await http.post(
            "/v1/releases", json=sample_body(), headers={"Idempotency-Key": key}
        )
        again = await http.post(
            "/v1/releases", json=sample_body(), headers={"Idempotency-Key": key}
        )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(await events_of(stack, first.json()["release_id"])) == 1


async def test_the_detail_carries_the_version_as_etag_and_answers_304_when_unchanged(
    stack: Stack,
) -> None:
    async with stack.client() as http:
        release_id = (await http.post("/v1/releases", json=sample_body())).json()["release_id"]
        detail = await http.get(f"/v1/releases/{release_id}", params={"min_version": 1})
        assert detail.headers["ETag"] == '"1"' and detail.json()["status"] == "draft"
        unchanged = await http.get(f"/v1/releases/{release_id}", headers={"If-None-Match": '"1"'})
    assert unchanged.status_code == 304


async def test_the_history_lists_each_drafting_step_in_order(stack: Stack) -> None:
    async with stack.client() as http:
        release_id = (await http.post("/v1/releases", json=sample_body())).json()["release_id"]
        submitted = await http.post(f"/v1/releases/{release_id}/submit")
        assert submitted.status_code == 200, submitted.text
        history = await http.get(
            f"/v1/releases/{release_id}/history",
            headers={"Pressroom-Read-After": f"{release_id}:{submitted.json()['version']}"},
        )
    drafting_steps = [
        e["event_type"] for e in history.json()["events"] if ".drafting." in e["event_type"]
    ]
    assert drafting_steps == [
        "pressroom.drafting.DraftCreated.v1",
        "pressroom.drafting.DraftSubmitted.v2",
    ]


async def test_invalid_content_is_refused_with_a_problem_naming_the_field(stack: Stack) -> None:
    body = sample_body()
    body["content"]["title"] = "x" * 301  # type: ignore[index]
    async with stack.client() as http:
        response = await http.post("/v1/releases", json=body)
    assert response.status_code == 422
    assert "title" in response.text and response.headers["content-type"].startswith(
        "application/problem+json"
    )


async def test_requests_without_a_valid_token_get_401(stack: Stack) -> None:
    async with stack.client(token="not-a-token") as http:
        response = await http.post("/v1/releases", json=sample_body())
    assert response.status_code == 401 and "Bearer" in response.headers["WWW-Authenticate"]


def test_the_demo_runs_the_sample_release_through_drafting(stack: Stack) -> None:
    wide = {**os.environ, "COLUMNS": "250"}  # rich wraps table cells to the terminal width
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "demo"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=wide,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DraftSubmitted" in done.stdout and "Foreign Secretary" in done.stdout


async def test_metrics_export_consumer_lag_and_the_oldest_dead_letter(stack: Stack) -> None:
    async with stack.client() as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    assert 'pressroom_consumer_lag{group="pressroom-drafting"' in response.text
    assert "pressroom_oldest_dead_letter_age_seconds" in response.text
