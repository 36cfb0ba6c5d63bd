"""The consumer kit as a downstream team uses it: the pressroom-events wheel installed into a
fresh virtualenv (no access to services/), decoding the live events the real drafting service
writes, through the example consumer in examples/consumers/."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from dev_tools.contract.kit import build_wheel
from dev_tools.contract.recorded import replay
from events.actor import Actor
from events.content import ContentChanges, ReleaseContent
from events.drafting import CreateDraft, ReviseDraft, SubmitDraft
from events.kafka import Headers
from events.topics import DRAFTING_COMMANDS, DRAFTING_EVENTS, EVENT_TOPICS
from services.kit.settings import REPO_ROOT, Settings
from tests.e2e.stack_fixture import Stack
from tests.support import send_command

pytestmark = pytest.mark.integration
EXAMPLE = REPO_ROOT / "examples" / "consumers" / "follow_releases.py"
RECORDED = REPO_ROOT / "tests" / "data" / "recorded"
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
# What the example needs besides the kit; the range is the project's own (pyproject.toml).
AIOKAFKA = "aiokafka>=0.14,<0.15"


@pytest.fixture(scope="module")
def kit_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv with the kit's wheel and aiokafka, and nothing of this repository."""
    root = tmp_path_factory.mktemp("kit")
    wheel = build_wheel(root / "dist")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(wheel), AIOKAFKA], check=True, timeout=600)
    yield python


def run_in_kit(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # -I: the venv's own site-packages only; no PYTHONPATH, no script folder, no repository.
    return subprocess.run(
        [str(python), "-I", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def follow(python: Path, tmp_path: Path, *args: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    result = run_in_kit(python, str(EXAMPLE), "--until-caught-up", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return lines[:-1], lines[-1]["summary"]


def test_the_kit_venv_has_the_contract_and_nothing_of_the_services(
    kit_python: Path, tmp_path: Path
) -> None:
    probe = "import events, importlib.util as u; print(events.__file__, u.find_spec('services'))"
    result = run_in_kit(kit_python, "-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "site-packages/events/__init__.py None" in result.stdout


async def test_the_kit_decodes_the_live_events_of_the_drafting_service(
    stack: Stack, kit_python: Path, tmp_path: Path
) -> None:
    bootstrap, release_id = stack.settings.kafka_bootstrap, f"kit-{uuid.uuid4()}"
    content = ReleaseContent(title="UK and Japan talks", organisations=["fco"])
    changes = ContentChanges(summary="Talks in Tokyo.")
    for command in (
        CreateDraft(release_id=release_id, actor=ALICE, content=content),
        ReviseDraft(release_id=release_id, actor=ALICE, expected_version=1, changes=changes),
        SubmitDraft(release_id=release_id, actor=ALICE, expected_version=2),
    ):
        outcome = await send_command(bootstrap, DRAFTING_COMMANDS, command)
        assert outcome.status == "accepted", outcome

    handled, summary = await asyncio.to_thread(
        follow, kit_python, tmp_path, "--topic", DRAFTING_EVENTS, "--bootstrap", bootstrap,
        "--group", f"kit-live-{uuid.uuid4()}",
    )  # fmt: skip

    ours = [line for line in handled if line["release_id"] == release_id]
    assert [(line["model"], line["sequence"]) for line in ours] == [
        ("DraftCreated", 1),
        ("DraftRevised", 2),
        ("DraftSubmitted", 3),
    ]
    assert ours[0]["what"] == "created: UK and Japan talks"
    assert ours[1]["what"] == "revision 2 changed summary"
    assert ours[2]["what"] == "submitted; authors alice"
    # Every event the suite's services wrote on the topic so far decodes with the kit alone.
    assert summary["undecodable"] == 0 and summary["handled"] >= 3


async def test_every_live_event_on_every_events_topic_decodes_with_the_kit_alone(
    stack: Stack, kit_python: Path, tmp_path: Path
) -> None:
    """Whatever the real services wrote so far: in `make test`, the end-to-end suite's releases
    (tests/e2e runs first), and at least the lifecycle of the test above."""
    handled = 0
    for topic in EVENT_TOPICS:
        lines, summary = await asyncio.to_thread(
            follow, kit_python, tmp_path, "--topic", topic,
            "--bootstrap", stack.settings.kafka_bootstrap, "--group", f"kit-all-{uuid.uuid4()}",
        )  # fmt: skip
        assert summary["undecodable"] == 0, (topic, summary)
        service = topic.split(".")[1]
        assert all(line["ce_type"].startswith(f"pressroom.{service}.") for line in lines)
        handled += summary["handled"]
    assert handled >= 3


def recorded_records() -> list[tuple[bytes | None, bytes | None, Headers]]:
    drafting = sorted((RECORDED / "drafting").glob("*.json"))
    records = [replay(json.loads(path.read_bytes())) for path in drafting]
    return [(r.key, r.value, r.headers) for r in records]


async def produce(settings: Settings, topic: str, batches: list[tuple[datetime, int]]) -> None:
    """Writes the recorded drafting records, as the relay wrote them, with the given times:
    (moment, how many times each record is written), a repeat being a redelivery."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for moment, times in batches:
            for key, value, headers in recorded_records() * times:
                ms = int(moment.timestamp() * 1000)
                await producer.send_and_wait(topic, value, key, headers=headers, timestamp_ms=ms)
    finally:
        await producer.stop()


async def test_the_example_consumer_handles_redelivery_once_and_replays_from_a_time(
    stack: Stack, kit_python: Path, tmp_path: Path
) -> None:
    topic, bootstrap = f"kit-example-{uuid.uuid4()}", stack.settings.kafka_bootstrap
    then = datetime.now(UTC) - timedelta(days=2)
    since = then + timedelta(days=1)
    # Yesterday's log, once; then today's, every record delivered twice (a relay's retry).
    await produce(stack.settings, topic, [(then, 1), (since + timedelta(hours=1), 2)])
    records = recorded_records()
    # A DraftRevised v1 and its v2 are the same event (one ce_id): a consumer handles it once.
    distinct = len({dict(headers)["ce_id"] for _, _, headers in records})
    args = ("--topic", topic, "--bootstrap", bootstrap)

    everything, summary = await asyncio.to_thread(
        follow, kit_python, tmp_path, *args, "--group", f"kit-all-{uuid.uuid4()}"
    )
    # The same records at two times are the same events (same ce_id): each handled once.
    assert summary == {
        "handled": distinct,
        "duplicates": 3 * len(records) - distinct,
        "undecodable": 0,
    }
    assert len({line["event_id"] for line in everything}) == distinct

    replayed, summary = await asyncio.to_thread(
        follow, kit_python, tmp_path, *args, "--group", f"kit-since-{uuid.uuid4()}",
        "--since", since.isoformat(),
    )  # fmt: skip
    # From `since` on, only the second day's records are read: each twice, handled once.
    assert summary == {
        "handled": distinct,
        "duplicates": 2 * len(records) - distinct,
        "undecodable": 0,
    }
    assert {line["ce_type"] for line in replayed} == {line["ce_type"] for line in everything}
