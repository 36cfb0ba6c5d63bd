"""The group watch's last word on a consumer (services/kit/consumer_state.py) reads aiokafka's
private tasks by name: on the installed aiokafka, a consumer in its group shows where its
coordination and its metadata tasks wait. An aiokafka that renamed them fails here, not in the
night of the next stall."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer

from services.kit.consumer_state import consumer_state
from services.kit.group_watch import coordinator_known
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings
from services.kit.topic_specs import topic_specs
from services.kit.topics_admin import ensure_topics
from tests.support import WAIT_S, eventually

pytestmark = pytest.mark.integration


async def test_a_consumer_in_its_group_shows_where_its_tasks_wait(infra: Settings) -> None:
    topic = f"pressroom.test.state-{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, topic_specs(
        infra.model_copy(update={"topic_partitions": 1}), (topic,)))  # fmt: skip
    consumer = AIOKafkaConsumer(
        topic, group_id=f"state-{uuid.uuid4().hex[:8]}", **client_kwargs(settings=infra)
    )
    await consumer.start()
    try:

        async def in_group() -> bool:
            await consumer.getmany(timeout_ms=100)
            return bool(coordinator_known(consumer)) and bool(consumer.assignment())

        await eventually(in_group, WAIT_S, "the consumer in its group")
        state = consumer_state(consumer)
    finally:
        await consumer.stop()
    assert any("coordination_routine" in line for line in state["coordination"]), state
    assert any("_md_synchronizer" in line for line in state["metadata_sync"]), state
    assert state["coordination"][-1].startswith("awaits <"), state
    assert state["metadata_sync"][-1].startswith("awaits <"), state
