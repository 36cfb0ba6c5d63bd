"""The local infrastructure against the real Kafka broker and PostgreSQL server."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

import dev_tools.infra as local_infra
from dev_tools.infra import InfraError, kafka
from dev_tools.infra.kafka import KafkaPaths
from dev_tools.infra.kafka_dist import check_java_version, parse_java_version, parse_maven_failure
from dev_tools.infra.processes import ensure_port_free
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


@pytest.mark.integration
def test_status_reports_kafka_and_postgres_running_with_versions(infra: Settings) -> None:
    rows = {row.name: row for row in local_infra.status(infra)}

    assert rows["Kafka"].running and rows["Kafka"].pid is not None
    assert rows["Kafka"].version == infra.kafka_version
    assert rows["Kafka"].address == f"127.0.0.1:{infra.kafka_port}"
    assert rows["PostgreSQL"].running and rows["PostgreSQL"].pid is not None
    assert rows["PostgreSQL"].version.startswith("15.")


@pytest.mark.integration
def test_the_broker_runs_with_its_memory_settings(infra: Settings) -> None:
    """The broker's heap grows from a small start with a small young generation, and glibc keeps
    two arenas, trimmed every 5 s: what `pressroom infra up` asks for reaches the running JVM."""
    pid = kafka.running_pid(infra)
    assert pid is not None
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    environ = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")

    assert {
        "-Xms32m",
        "-Xmn16m",
        "-Djdk.nio.maxCachedBufferSize=262144",
        "-XX:TrimNativeHeapInterval=5000",
    } <= set(argv)
    assert "MALLOC_ARENA_MAX=2" in environ


@pytest.mark.integration
def test_up_again_keeps_the_running_processes(infra: Settings) -> None:
    before = [row.pid for row in local_infra.status(infra)]

    local_infra.up(infra)

    assert [row.pid for row in local_infra.status(infra)] == before


@pytest.mark.integration
def test_jars_are_cached_so_a_restart_needs_no_network(infra: Settings) -> None:
    lib = infra.cache_dir / f"kafka-{infra.kafka_version}" / "lib"

    assert (lib / ".resolved").is_file()
    assert (lib / f"kafka_2.13-{infra.kafka_version}.jar").is_file()


@pytest.mark.integration
async def test_a_record_produced_to_the_broker_is_consumed_back(infra: Settings) -> None:
    topic, payload = f"infra-test-{uuid.uuid4().hex}", uuid.uuid4().bytes
    admin = AIOKafkaAdminClient(**client_kwargs(settings=infra))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(**client_kwargs(settings=infra), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, payload, key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, **client_kwargs(settings=infra), auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()

    assert (record.key, record.value) == (b"k", payload)


@pytest.mark.integration
async def test_the_app_role_connects_over_tcp_to_postgres_15(infra: Settings) -> None:
    connection = await asyncpg.connect(infra.pg_dsn)
    try:
        version = await connection.fetchval("select version()")
    finally:
        await connection.close()

    assert str(version).startswith("PostgreSQL 15.")


def test_a_busy_port_is_refused_naming_the_port_and_its_setting(busy_port: int) -> None:
    settings = Settings().model_copy(update={"kafka_port": busy_port})

    with pytest.raises(InfraError) as refused:
        ensure_port_free("127.0.0.1", settings.kafka_port, "Kafka", "PRESSROOM_KAFKA_PORT")

    assert str(busy_port) in refused.value.message
    assert "PRESSROOM_KAFKA_PORT" in refused.value.hint


def test_java_11_is_refused_with_the_package_to_install() -> None:
    java_11 = 'openjdk version "11.0.22" 2024-01-16\nOpenJDK Runtime Environment (build 11)\n'

    with pytest.raises(InfraError) as refused:
        check_java_version(java_11)

    assert "Java 11" in refused.value.message
    assert "openjdk-17-jre-headless" in refused.value.hint


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_292"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ("no version here", None),
    ],
)
def test_java_major_version_is_read_from_java_version_output(
    output: str, major: int | None
) -> None:
    assert parse_java_version(output) == major


def test_maven_failure_names_the_missing_artifact() -> None:
    output = (
        "[ERROR] Failed to execute goal on project pressroom-local-kafka: Could not resolve "
        "dependencies for project dev.pressroom:pressroom-local-kafka:pom:1: Could not find "
        "artifact org.apache.kafka:kafka_2.13:jar:9.9.9 in central (https://repo.maven.apache.org)"
    )

    assert parse_maven_failure(output) == "org.apache.kafka:kafka_2.13:jar:9.9.9"


def test_kafka_data_from_another_cluster_is_refused(tmp_path: Path) -> None:
    paths = KafkaPaths.of(Settings(data_dir=tmp_path))
    paths.data.mkdir(parents=True)
    (paths.data / "meta.properties").write_text("cluster.id=someone-else\nnode.id=1\n")
    paths.cluster_id_file.write_text("ours\n")

    with pytest.raises(InfraError) as refused:
        kafka.check_meta(paths)

    assert "infra down --wipe" in refused.value.hint
