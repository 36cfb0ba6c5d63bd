"""`pressroom history` and `pressroom state --at` on a release made over HTTP, read from Kafka;
bad input ends with a clear message and exit 2, never a traceback."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_drafting_http import sample_body

pytestmark = pytest.mark.integration
runner = CliRunner()


async def draft_then_submit(stack: Stack) -> tuple[str, datetime]:
    """Created, revised, submitted; returns the id and a moment between revision and submission."""
    async with stack.client() as http:
        created = (await http.post("/v1/releases", json=sample_body())).json()
        release_id = created["release_id"]
        revised = await http.patch(
            f"/v1/releases/{release_id}",
            json={"people": ["Philip Hammond", "Fumio Kishida"]},
            headers={"If-Match": '"1"'},
        )
        assert revised.status_code == 200, revised.text
        # Causality orders them, no pause needed: the revision was decided before its outcome
        # reached us, the submission is decided after we send it (one clock, this machine's).
        between = datetime.now(UTC)
        submitted = await http.post(
            f"/v1/releases/{release_id}/submit", headers={"If-Match": '"2"'}
        )
        assert submitted.status_code == 200, submitted.text
    return release_id, between


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


async def test_state_at_a_time_before_submission_is_the_draft_and_after_it_submitted(
    stack: Stack,
) -> None:
    release_id, between = await draft_then_submit(stack)
    code, output = await asyncio.to_thread(
        invoke, "state", release_id, "--at", between.isoformat(), "--json"
    )
    assert code == 0, output
    before = json.loads(output)["drafting"]
    assert before["state"]["status"] == "draft" and before["state"]["revision"] == 2
    assert before["state"]["content"]["people"] == ["Philip Hammond", "Fumio Kishida"]
    code, output = await asyncio.to_thread(
        invoke, "state", release_id, "--at", datetime.now(UTC).isoformat(), "--json"
    )
    after = json.loads(output)["drafting"]
    assert (after["state"]["status"], after["state"]["revision"], after["events"]) == (
        "submitted",
        2,
        3,
    )


async def test_history_lists_the_events_in_order_with_the_revision_diff(stack: Stack) -> None:
    release_id, _ = await draft_then_submit(stack)
    code, output = await asyncio.to_thread(invoke, "history", release_id, "--json")
    assert code == 0, output
    items = [i for i in json.loads(output) if i["service"] == "drafting"]
    assert [i["type"].split(".")[2] for i in items] == [
        "DraftCreated",
        "DraftRevised",
        "DraftSubmitted",
    ]
    assert all(i["actor"] == "alice" for i in items)
    (people,) = items[1]["changes"]
    assert people["field"] == "people" and people["after"] == ["Philip Hammond", "Fumio Kishida"]
    code, text = await asyncio.to_thread(invoke, "history", release_id)
    assert code == 0 and "+ Fumio Kishida" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("state", "no-such-release", "--at", "2016-07-21T09:30:00Z"), "no events for release"),
        (("state", "r", "--at", "2016-07-21T09:30:00"), "has no offset"),
        (("state", "r", "--at", "half past nine"), "not an ISO 8601 time"),
        (("history", "no-such-release"), "no events for release"),
        (("replay", "no_such_table", "--dry-run"), "no projection 'no_such_table'"),
        (("replay", "--since", "2016-07-21", "--dry-run"), "has no offset"),
        (("dlq", "show", "nowhere:0:1"), "no dead letter"),
        (("projections", "swap", "projections_shadow_999999"), "no shadow"),
    ],
)
async def test_bad_input_is_a_clear_error_with_exit_2(
    stack: Stack, args: tuple[str, ...], message: str
) -> None:
    code, output = await asyncio.to_thread(invoke, *args)
    assert code == 2, output
    assert message in " ".join(output.split())
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("projections", "status"), "Read models"),
        (("lag",), "records behind in all"),
        (("dlq", "list", "--release", "no-such-release"), "0 dead letters"),
        (("replay", "releases", "--dry-run"), "Would replay"),
    ],
)
async def test_read_only_commands_answer(stack: Stack, args: tuple[str, ...], shown: str) -> None:
    code, output = await asyncio.to_thread(invoke, *args)
    assert code == 0, output
    assert shown in output
