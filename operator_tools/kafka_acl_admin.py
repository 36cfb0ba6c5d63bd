"""Applies ACLs to a Kafka cluster with confluent-kafka's admin client (aiokafka has no ACL API).
Its connection settings come from the same PRESSROOM_KAFKA_* settings as every other client
(services/kit/kafka_clients.py), in librdkafka's names."""

from __future__ import annotations

from collections.abc import Sequence

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from operator_tools.errors import OpsError
from operator_tools.kafka_acls import Grant
from services.kit.kafka_clients import SASL_PROTOCOLS, TLS_PROTOCOLS
from services.kit.settings import Settings

TIMEOUT_S = 60.0


Config = dict[str, str | int | float | bool]


def librdkafka_config(settings: Settings) -> Config:
    protocol = settings.kafka_security_protocol
    config: Config = {"bootstrap.servers": settings.kafka_bootstrap, "security.protocol": protocol}
    if protocol in SASL_PROTOCOLS:
        config["sasl.mechanism"] = settings.kafka_sasl_mechanism
        config["sasl.username"] = settings.kafka_username
        config["sasl.password"] = settings.kafka_password.get_secret_value()
    files = {
        "ssl.ca.location": settings.kafka_ssl_cafile,
        "ssl.certificate.location": settings.kafka_ssl_certfile,
        "ssl.key.location": settings.kafka_ssl_keyfile,
    }
    if protocol in TLS_PROTOCOLS:
        config.update({name: str(path) for name, path in files.items() if path is not None})
    return config


def binding(grant: Grant) -> AclBinding:
    pattern = ResourcePatternType.PREFIXED if grant.prefixed else ResourcePatternType.LITERAL
    return AclBinding(
        ResourceType[grant.resource], grant.name, pattern, grant.principal, "*",
        AclOperation[grant.operation], AclPermissionType.ALLOW,
    )  # fmt: skip


def apply_grants(settings: Settings, grants: Sequence[Grant]) -> None:
    """Creates every grant (one that exists already is left as it is); raises OpsError."""
    admin = AdminClient(librdkafka_config(settings))
    futures = admin.create_acls([binding(g) for g in grants], request_timeout=TIMEOUT_S)
    failed = []
    for acl, future in futures.items():
        try:
            future.result()
        except KafkaException as error:
            failed.append(f"{acl}: {error.args[0]}")
    if failed:
        raise OpsError("could not create these ACLs:\n" + "\n".join(failed))
