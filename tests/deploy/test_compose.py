"""deploy/compose.yaml, parsed: Kafka in KRaft mode, every process, health and order."""

from __future__ import annotations

from tests.deploy.deploy_files import DEPLOY, PROCESSES, compose

CLUSTER = ("kafka-2", "kafka-3")


def test_kafka_is_the_official_image_in_kraft_mode_with_a_three_broker_profile() -> None:
    services = compose()["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:") and kafka["image"] != "apache/kafka:latest"
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert "ZOOKEEPER" not in str(kafka).upper()
    for broker in CLUSTER:
        assert services[broker]["profiles"] == ["cluster"]
        assert services[broker]["environment"]["KAFKA_PROCESS_ROLES"] == "broker"
        assert services[broker]["image"] == kafka["image"]
    ids = {str(services[n]["environment"]["KAFKA_NODE_ID"]) for n in ("kafka", *CLUSTER)}
    assert len(ids) == 3


def test_every_process_runs_from_the_one_image_through_pressroom_serve() -> None:
    services = compose()["services"]
    for name in (*PROCESSES, "mailsink"):
        assert services[name]["command"] == [name]
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert services["topics"]["entrypoint"] == ["pressroom", "topics", "apply"]


def test_processes_wait_for_healthy_postgres_and_applied_topics_and_say_when_ready() -> None:
    services = compose()["services"]
    for name in PROCESSES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["topics"]["condition"] == "service_completed_successfully"
        assert "--ready" in services[name]["healthcheck"]["test"]
    assert services["gateway"]["depends_on"]["projector"]["condition"] == "service_healthy"
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    for broker in CLUSTER:  # waited for when the profile runs them, ignored otherwise
        assert services["topics"]["depends_on"][broker]["required"] is False
    assert "healthcheck" in services["kafka"] and "healthcheck" in services["postgres"]


def test_settings_come_from_the_env_file_and_the_grace_period_outlasts_the_shutdown() -> None:
    services = compose()["services"]
    for name in PROCESSES:
        files = [entry["path"] for entry in services[name]["env_file"]]
        assert files[0] == "compose.env.example" and (DEPLOY / files[0]).is_file()
        assert int(services[name]["stop_grace_period"].rstrip("s")) > 30
