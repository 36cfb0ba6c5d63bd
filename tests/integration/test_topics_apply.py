"""`pressroom topics apply` against the real broker: shows drift first, fixes it, idempotent."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import cast

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from events.topics import REPLIES
from services.kit.settings import REPO_ROOT, Settings
from services.kit.topic_specs import topic_specs

pytestmark = pytest.mark.integration


def topics_apply(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "topics", "apply", *args], cwd=REPO_ROOT,
        env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


async def replies_config(settings: Settings, key: str) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, REPLIES)]
        )
        [resource] = response.to_object()["resources"]
        return cast(
            str,
            next(e["config_value"] for e in resource["config_entries"] if e["config_names"] == key),
        )
    finally:
        await admin.close()


async def set_replies_config(settings: Settings, configs: dict[str, str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, REPLIES, configs)])
    finally:
        await admin.close()


async def test_applying_twice_changes_nothing_the_second_time(infra: Settings) -> None:
    first = await asyncio.to_thread(topics_apply)
    assert first.returncode == 0, first.stderr
    second = await asyncio.to_thread(topics_apply)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == ""  # no drift left to show
    assert f"{len(topic_specs(infra))} topics, 0 changed." in second.stderr


async def test_a_drifted_config_is_shown_by_a_dry_run_then_fixed(infra: Settings) -> None:
    assert (await asyncio.to_thread(topics_apply)).returncode == 0
    await set_replies_config(infra, {"cleanup.policy": "delete", "min.insync.replicas": "1"})
    shown = await asyncio.to_thread(topics_apply, "--dry-run")
    assert shown.returncode == 0, shown.stderr
    assert f"{REPLIES}  cleanup.policy: delete -> compact" in shown.stdout
    assert "1 would change" in shown.stderr
    assert await replies_config(infra, "cleanup.policy") == "delete"  # a dry run changes nothing
    fixed = await asyncio.to_thread(topics_apply)
    assert fixed.returncode == 0 and "cleanup.policy: delete -> compact" in fixed.stdout
    assert await replies_config(infra, "cleanup.policy") == "compact"
    assert (await asyncio.to_thread(topics_apply)).stdout.strip() == ""
