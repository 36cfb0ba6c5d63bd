"""Settings for real clusters, topic specs and drift, and the health routes' answers (pure)."""

from __future__ import annotations

import json

from events.topics import ALL_TOPICS, DRAFTING_COMMANDS, DRAFTING_DLQ, DRAFTING_EVENTS, REPLIES
from services.kit.health import HealthServer, Readiness
from services.kit.settings import Settings
from services.kit.topic_specs import ActualTopic, drift, topic_specs

LOCAL = Settings(_env_file=None)


def test_the_bootstrap_list_replaces_host_and_port_when_set() -> None:
    assert LOCAL.kafka_bootstrap == f"127.0.0.1:{LOCAL.kafka_port}"
    cluster = LOCAL.model_copy(update={"kafka_bootstrap_servers": "k1:9092,k2:9092"})
    assert cluster.kafka_bootstrap == "k1:9092,k2:9092"


def test_each_process_uses_its_own_dsn_and_falls_back_to_the_shared_one() -> None:
    shared = "postgresql://p:s@db/pressroom?sslmode=verify-full&sslrootcert=/ca.pem"
    settings = LOCAL.model_copy(
        update={"database_url": shared, "drafting_database_url": "postgresql://d@db1/drafting"}
    )
    assert settings.dsn_for("drafting") == "postgresql://d@db1/drafting"
    assert settings.dsn_for("approval") == shared and settings.pg_dsn == shared


def test_the_gateway_reads_go_to_the_replica_else_to_the_projectors_database() -> None:
    projector = LOCAL.model_copy(update={"projector_database_url": "postgresql://x@views/p"})
    assert projector.dsn_for("gateway_reads") == "postgresql://x@views/p"
    replica = projector.model_copy(update={"gateway_reads_database_url": "postgresql://r@rep/p"})
    assert replica.dsn_for("gateway_reads") == "postgresql://r@rep/p"


def test_every_topic_has_the_same_partitions_replicas_and_min_insync_replicas() -> None:
    cluster = LOCAL.model_copy(
        update={
            "topic_partitions": 12,
            "topic_replication_factor": 3,
            "topic_min_insync_replicas": 2,
        }
    )
    specs = topic_specs(cluster)
    assert [s.name for s in specs] == list(ALL_TOPICS)
    assert {(s.partitions, s.replication_factor) for s in specs} == {(12, 3)}
    assert {s.configs["min.insync.replicas"] for s in specs} == {"2"}


def test_events_are_kept_forever_replies_compacted_and_commands_expire() -> None:
    configs = {s.name: s.configs for s in topic_specs(LOCAL)}
    assert configs[DRAFTING_EVENTS]["retention.ms"] == "-1"
    assert configs[DRAFTING_EVENTS]["cleanup.policy"] == "delete"
    assert configs[REPLIES]["cleanup.policy"] == "compact"
    assert configs[DRAFTING_COMMANDS]["retention.ms"] == str(7 * 24 * 3600 * 1000)
    assert configs[DRAFTING_DLQ]["retention.ms"] == "-1"


def test_drift_names_each_differing_config_and_count_and_nothing_when_equal() -> None:
    [spec] = topic_specs(LOCAL, (REPLIES,))
    same = ActualTopic(REPLIES, spec.partitions, 1, {**spec.configs, "segment.ms": "1"})
    assert not drift(spec, same).any
    drifted = ActualTopic(REPLIES, 2, 1, {**spec.configs, "cleanup.policy": "delete"})
    found = drift(spec, drifted)
    assert found.configs == {"cleanup.policy": ("delete", "compact")}
    assert found.partitions == (2, spec.partitions) and found.needs_operator
    assert drift(spec, None).missing


def test_readyz_is_a_503_problem_naming_the_failing_check_until_all_pass() -> None:
    readiness = Readiness(("postgres", "kafka"))
    server = HealthServer("drafting", readiness)
    readiness.set("postgres", True)
    status, content_type, body = server.answer("/readyz")
    assert (status, content_type) == (503, "application/problem+json")
    assert json.loads(body)["title"] == "Not ready: kafka."
    readiness.set("kafka", True)
    status, _, body = server.answer("/readyz")
    assert status == 200 and json.loads(body)["checks"] == {"postgres": True, "kafka": True}
    assert server.answer("/healthz")[0] == 200
