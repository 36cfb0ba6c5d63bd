"""Every long-running consumer of the services long-polls at most `kafka_fetch_wait_ms`.

aiokafka leaves a partition whose records are still in hand out of the fetch in flight, so its
next records wait for that fetch to run out. faust built its consumer with a fixed 1,500 ms wait:
on the pipeline benchmark drafting sat idle for 1.3-1.5 s with 1,300 commands on Kafka
(services/kit/faust_fetch.py; docs/benchmarks.md). No broker needed: the consumers are built,
never started."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from services.kit.faust_app import create_app
from services.kit.kafka_clients import consumer_kwargs
from services.kit.settings import Settings


def settings(tmp_path: Path, wait_ms: int | None = None) -> Settings:
    chosen: dict[str, Any] = {} if wait_ms is None else {"kafka_fetch_wait_ms": wait_ms}
    return Settings(data_dir=tmp_path, **chosen)


async def test_a_services_faust_consumer_long_polls_for_the_configured_wait(
    tmp_path: Path,
) -> None:
    app = create_app("drafting", settings(tmp_path, 37))
    thread = app.consumer._thread  # type: ignore[attr-defined]

    consumer = thread._create_worker_consumer(app.transport)

    assert isinstance(consumer, AIOKafkaConsumer)
    assert consumer._fetch_max_wait_ms == 37  # faust's own: 1,500


async def test_the_default_wait_is_short_enough_to_hide_behind_a_commit(tmp_path: Path) -> None:
    app = create_app("approval", settings(tmp_path))
    consumer = app.consumer._thread._create_worker_consumer(app.transport)  # type: ignore[attr-defined]

    assert consumer._fetch_max_wait_ms <= 100


def test_the_projector_and_the_gateway_replies_consumer_get_the_same_wait(
    tmp_path: Path,
) -> None:
    assert consumer_kwargs(settings=settings(tmp_path, 41))["fetch_max_wait_ms"] == 41
