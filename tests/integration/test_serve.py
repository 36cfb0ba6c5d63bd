"""`pressroom serve`: health routes on a port of its own, and a SIGTERM that loses nothing."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from events.actor import Actor
from events.catalog import REGISTRY
from events.content import ReleaseContent
from events.drafting import CreateDraft
from events.envelope import Envelope
from events.kafka import KafkaRecord, decode, encode
from events.replies import CommandOutcome, OutcomeStatus
from events.topics import DRAFTING_COMMANDS, DRAFTING_EVENTS, REPLIES
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import REPO_ROOT, Settings
from services.serve import SHUTDOWN_GRACE_S
from tests.integration.serve_support import Served, free_port, serve
from tests.support import command_envelope, eventually, read_topic, signed_record

pytestmark = pytest.mark.integration
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
COMMANDS = 300


@pytest.fixture
def drafting(infra: Settings, tmp_path: Path) -> Iterator[Served]:
    # Trimming often, so the metrics test sees it done (services/kit/heap.py).
    served = serve("drafting", tmp_path / "drafting.log", PRESSROOM_HEAP_TRIM_INTERVAL_S="0.5")
    try:
        yield served
    finally:
        served.stop()


async def ready(served: Served) -> dict[str, object]:
    def probe() -> dict[str, object] | None:
        assert served.process.poll() is None, served.log.read_text()[-3000:]
        return served.readyz()

    return await eventually(lambda: asyncio.to_thread(probe), 120, "/readyz to say ready")


async def test_a_served_service_says_ready_with_postgres_and_kafka_and_serves_metrics(
    drafting: Served,
) -> None:
    body = await ready(drafting)
    assert body["checks"] == {"postgres": True, "kafka": True, "relay": True}
    status, _, alive = await asyncio.to_thread(drafting.get, "/healthz")
    assert status == 200 and b"ok" in alive
    status, content_type, metrics = await asyncio.to_thread(drafting.get, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert b"process_resident_memory_bytes" in metrics
    # Its heap was settled before serving (services/kit/heap.py): objects frozen, counted here.
    frozen = [line for line in metrics.splitlines() if line.startswith(b"pressroom_python_frozen")]
    assert frozen and float(frozen[0].split()[-1]) > 10_000, frozen
    # glibc's free memory is handed back on the set interval, the time it takes counted here.
    await eventually(
        lambda: asyncio.to_thread(lambda: _trims(drafting.get("/metrics")[2]) >= 1),
        what="a heap trim on /metrics",
    )
    # Its consumer in its group, as the group watch sees it (services/kit/group_watch.py).
    joined = b'pressroom_consumer_group_joined{consumer="pressroom-drafting"} 1.0'
    await eventually(
        lambda: asyncio.to_thread(lambda: joined in drafting.get("/metrics")[2]),
        what="the group watch's gauge",
    )
    # What a fault set aside is counted on the service's own /metrics (hole 3: never vanishes).
    await eventually(
        lambda: asyncio.to_thread(lambda: b'pressroom_set_aside{kind="deadline",service="drafting"}'
                                  in drafting.get("/metrics")[2]),
        what="the set-aside gauge",
    )  # fmt: skip
    status, content_type, _ = await asyncio.to_thread(drafting.get, "/nowhere")
    assert status == 404 and content_type == "application/problem+json"


async def test_the_served_projector_says_ready_once_in_its_group_and_leaves_it_on_sigterm(
    infra: Settings, tmp_path: Path
) -> None:
    projector = serve("projector", tmp_path / "projector.log")
    try:
        assert (await ready(projector))["checks"] == {"postgres": True, "kafka": True}
        took = await asyncio.to_thread(projector.sigterm)
    finally:
        projector.stop()
    print(f"projector SIGTERM to exit: {took:.2f} s")
    assert took < SHUTDOWN_GRACE_S and projector.process.returncode == 0
    assert "LeaveGroup request succeeded" in projector.log.read_text()


async def test_sigterm_while_commands_flow_loses_nothing_and_exits_within_the_grace_period(
    infra: Settings, drafting: Served, tmp_path: Path
) -> None:
    await ready(drafting)
    releases = [str(uuid.uuid4()) for _ in range(COMMANDS)]
    envelopes = [command_envelope(create(release)) for release in releases]
    sending = asyncio.create_task(send_steadily(infra.kafka_bootstrap, envelopes))
    await eventually(lambda: replies_to(infra, {e.id for e in envelopes[:20]}), what="20 replies")
    await eventually(lambda: counted_accepted(drafting), what="accepted commands on /metrics")
    took = await asyncio.to_thread(drafting.sigterm)
    print(f"SIGTERM to exit under load: {took:.2f} s (grace {SHUTDOWN_GRACE_S:.0f} s)")
    assert took < SHUTDOWN_GRACE_S
    assert drafting.process.returncode == 0, drafting.log.read_text()[-3000:]
    assert "LeaveGroup request succeeded" in drafting.log.read_text()
    await sending
    # Whatever was in hand is finished by the next instance: every command, exactly once.
    successor = serve("drafting", tmp_path / "successor.log")
    try:
        outcomes = await eventually(
            lambda: replies_to(infra, {e.id for e in envelopes}), 180, "every reply"
        )
        assert {o.status for o in outcomes.values()} == {OutcomeStatus.ACCEPTED}
        created = await read_topic(infra.kafka_bootstrap, DRAFTING_EVENTS, key_in(releases))
        assert sorted(r.key.decode() for r in created if r.key) == sorted(releases)
    finally:
        successor.stop()


async def counted_accepted(served: Served) -> bool:
    _, _, body = await asyncio.to_thread(served.get, "/metrics")
    line = b'pressroom_commands_handled_total{service="drafting",status="accepted"}'
    return any(row.startswith(line) and float(row.split()[-1]) > 0 for row in body.splitlines())


def create(release_id: str) -> CreateDraft:
    return CreateDraft(
        release_id=release_id,
        actor=ALICE,
        content=ReleaseContent(title="Talks", organisations=["fco"]),
    )


async def send_steadily(bootstrap: str, envelopes: Sequence[Envelope[Any]]) -> None:
    """A steady flow, so the SIGTERM lands while commands are in hand and still arriving."""
    producer = AIOKafkaProducer(**client_kwargs(bootstrap), acks="all")
    await producer.start()
    try:
        for envelope in envelopes:
            record = signed_record(encode(envelope))
            await producer.send_and_wait(
                DRAFTING_COMMANDS, record.value, key=record.key, headers=record.headers
            )
            await asyncio.sleep(0.01)  # pacing, not waiting for anything
    finally:
        await producer.stop()


async def replies_to(infra: Settings, ids: set[str]) -> dict[str, CommandOutcome] | None:
    keys = {i.encode() for i in ids}
    records = await read_topic(infra.kafka_bootstrap, REPLIES, lambda r: r.key in keys)
    found = {r.key.decode(): decode(r, REGISTRY).data for r in records if r.key}
    return found if set(found) == ids else None  # type: ignore[return-value]


def key_in(releases: list[str]) -> Callable[[KafkaRecord], bool]:
    keys = {r.encode() for r in releases}
    return lambda record: record.key in keys


async def test_a_dsn_that_asks_for_tls_reaches_postgresql_unchanged(
    infra: Settings, tmp_path: Path
) -> None:
    """The tests' PostgreSQL has no TLS: a process told `sslmode=require` must refuse it."""
    dsn = f"{infra.pg_dsn}?sslmode=require"
    served = serve("projector", tmp_path / "projector.log", PRESSROOM_DATABASE_URL=dsn)
    try:
        code = await asyncio.to_thread(served.process.wait, 120)
    finally:
        served.stop()
    log = served.log.read_text()
    assert code != 0 and "rejected SSL upgrade" in log, log[-3000:]


def _trims(metrics: bytes) -> float:
    counts = [
        line
        for line in metrics.splitlines()
        if line.startswith(b"pressroom_heap_trim_seconds_count")
    ]
    return float(counts[0].split()[-1]) if counts else 0.0


@pytest.mark.parametrize("process", ["drafting", "gateway", "projector"])
def test_a_bad_setting_stops_serve_with_its_name_and_no_traceback(process: str) -> None:
    """Before anything starts (a container's log is all an operator has): exit 2, the variable
    named; before, a 77-line traceback, or "Unable to configure root logger" for a bad level."""
    env = {**os.environ, "PRESSROOM_LOG_LEVEL": "verbose", "PRESSROOM_TOPIC_PARTITIONS": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve", process],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "╭" not in done.stderr
    assert "PRESSROOM_LOG_LEVEL: Input should be 'DEBUG'" in done.stderr
    assert "PRESSROOM_TOPIC_PARTITIONS: Input should be greater than or equal to 1" in done.stderr


@pytest.mark.parametrize(
    ("process", "setting"),
    [
        ("gateway", "PRESSROOM_GATEWAY_PORT"),
        ("gateway", "PRESSROOM_METRICS_PORT"),
        ("embargo", "PRESSROOM_HEALTH_PORT"),
        ("projector", "PRESSROOM_HEALTH_PORT"),
        ("mailsink", "PRESSROOM_SMTP_PORT"),
    ],
)
def test_a_port_in_use_stops_serve_with_the_setting_that_named_it(
    infra: Settings, process: str, setting: str
) -> None:
    """Exit 2 and the setting to change; before, a traceback (the health port, the local mail
    sink's SMTP port), or uvicorn's failure after the gateway had connected to Kafka and
    PostgreSQL, then exit 3."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        env = {**os.environ, "PRESSROOM_DEMO_TOKENS": "true", setting: port}
        if setting == "PRESSROOM_METRICS_PORT":
            env["PRESSROOM_GATEWAY_PORT"] = str(free_port())
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "serve", process],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "╭" not in done.stderr, done.stderr[-3000:]
    assert f"cannot listen on 127.0.0.1:{port} ({setting})" in done.stderr, done.stderr[-3000:]
