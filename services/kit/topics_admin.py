"""Topics on the broker: created at each process's start, compared and fixed by `topics apply`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from services.kit.kafka_clients import client_kwargs
from services.kit.topic_specs import ActualTopic, TopicDrift, TopicSpec, drift
from services.kit.transient import until_done, worth_waiting_at_start

log = structlog.get_logger()


class TopicsError(Exception):
    """The broker refused a change to a topic."""


async def ensure_topics(bootstrap: str, specs: Sequence[TopicSpec]) -> list[str]:
    """Creates the missing topics as specified; returns their names. Existing ones are left."""
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            await admin.create_topics([_new_topic(spec) for spec in missing])
            log.info("topics_created", topics=[spec.name for spec in missing])
        return [spec.name for spec in missing]
    finally:
        await admin.close()


async def ensure_topics_once_kafka_answers(bootstrap: str, specs: Sequence[TopicSpec]) -> None:
    """`ensure_topics` at a process's start, waiting (with backoff, logged as `waiting_for_kafka`)
    while no broker answers: a process started before Kafka, or during its restart, waits for it
    instead of exiting (issue 12, hole 4)."""
    await until_done(partial(ensure_topics, bootstrap, specs), "kafka", worth_waiting_at_start)


async def topic_drift(bootstrap: str, specs: Sequence[TopicSpec]) -> list[TopicDrift]:
    """How each topic on the broker differs from its spec (missing ones included)."""
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap))
    await admin.start()
    try:
        actual = await _describe(admin, [spec.name for spec in specs])
    finally:
        await admin.close()
    return [drift(spec, actual.get(spec.name)) for spec in specs]


async def apply_drift(
    bootstrap: str, specs: Sequence[TopicSpec], drifts: Sequence[TopicDrift]
) -> None:
    """Creates missing topics and sets drifted configs; partition and replica counts are left."""
    by_name = {spec.name: spec for spec in specs}
    await ensure_topics(bootstrap, [by_name[d.name] for d in drifts if d.missing])
    altered = [by_name[d.name] for d in drifts if d.configs]
    if not altered:
        return
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap))
    await admin.start()
    try:
        # AlterConfigs sets a topic's whole override set: every desired key goes, not only
        # the drifted ones (an override Pressroom does not own is dropped; docs/deployment.md).
        resources = [
            ConfigResource(ConfigResourceType.TOPIC, spec.name, dict(spec.configs))
            for spec in altered
        ]
        for response in await admin.alter_configs(resources):
            _raise_on_errors(response.resources)
        log.info("topic_configs_altered", topics=[spec.name for spec in altered])
    finally:
        await admin.close()


async def _describe(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, ActualTopic]:
    described = {d["topic"]: d for d in await admin.describe_topics(names) if not d["error_code"]}
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in described]
    configs: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(resources) if resources else []:
        for resource in response.to_object()["resources"]:
            entries = resource["config_entries"]
            configs[resource["resource_name"]] = {
                e["config_names"]: e["config_value"] for e in entries
            }
    return {
        name: ActualTopic(
            name,
            partitions=len(d["partitions"]),
            replication_factor=len(d["partitions"][0]["replicas"]) if d["partitions"] else 0,
            configs=configs.get(name, {}),
        )
        for name, d in described.items()
    }


def _raise_on_errors(resources: Sequence[Any]) -> None:
    for error_code, error_message, _, name in resources:
        if error_code:
            raise TopicsError(f"altering {name} failed: error {error_code} {error_message}")


def _new_topic(spec: TopicSpec) -> NewTopic:
    return NewTopic(
        name=spec.name,
        num_partitions=spec.partitions,
        replication_factor=spec.replication_factor,
        topic_configs=dict(spec.configs),
    )
