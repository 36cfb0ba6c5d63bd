"""The Kafka ACLs Pressroom needs, one principal per process kind (docs/security.md, "ACLs"), as
data; and applying them to a cluster with an authorizer. `pressroom kafka acls` prints or applies
them; a test stack variant applies them and runs the flow under them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from events.topics import (
    APPROVAL_COMMANDS,
    APPROVAL_EVENTS,
    COMMAND_TOPICS,
    DRAFTING_EVENTS,
    EMBARGO_EVENTS,
    PUBLICATION_COMMANDS,
    PUBLICATION_EVENTS,
    REPLIES,
    dlq_topic,
)
from services.kit.consumer_groups import PROJECTED_TOPICS, PROJECTOR_GROUP, service_group

TOPIC, GROUP = "TOPIC", "GROUP"  # confluent_kafka's ResourceType names
PREFIX = "pressroom."  # every Pressroom topic's name starts with it
# What each service reads besides its own commands (its policies' agents): the topics of its
# faust agents (services/<service>/agents.py), which tests/unit/test_kafka_acls.py checks.
SERVICE_READS: dict[str, tuple[str, ...]] = {
    "drafting": (APPROVAL_EVENTS, PUBLICATION_EVENTS),
    "approval": (DRAFTING_EVENTS,),
    "embargo": (APPROVAL_EVENTS, PUBLICATION_EVENTS),
    "publication": (APPROVAL_EVENTS, DRAFTING_EVENTS, EMBARGO_EVENTS),
}


@dataclass(frozen=True, order=True)
class Grant:
    """Allow `principal` `operation` on a resource (a literal name, or every name starting
    with it when `prefixed`), from any host."""

    principal: str
    operation: str  # READ, WRITE, DESCRIBE, CREATE, ALL
    resource: str  # TOPIC, GROUP or BROKER (the cluster)
    name: str
    prefixed: bool = False

    def line(self) -> str:
        pattern = "prefixed" if self.prefixed else "literal"
        return f"{self.principal} {self.operation} {self.resource} {self.name} ({pattern})"


def _on(principal: str, operation: str, topics: Iterable[str]) -> list[Grant]:
    return [Grant(principal, operation, TOPIC, topic) for topic in topics]


def service_grants(service: str, principal: str) -> list[Grant]:
    own = f"pressroom.{service}"
    return [
        *_on(principal, "WRITE", (f"{own}.events", REPLIES, dlq_topic(service))),
        *_on(principal, "READ", (f"{own}.commands", *SERVICE_READS[service])),
        Grant(principal, "READ", GROUP, service_group(service)),
        # ensure_topics at start lists every Pressroom topic (and creates none once they exist).
        Grant(principal, "DESCRIBE", TOPIC, PREFIX, prefixed=True),
        # faust's own topics (its assignor's leader topic): pressroom-<service>-…
        Grant(principal, "ALL", TOPIC, f"{service_group(service)}-", prefixed=True),
    ]


def acl_plan(prefix: str = "pressroom-", bots: Iterable[str] = ()) -> list[Grant]:
    """Every grant for the principals User:<prefix>gateway, …-drafting, …, and User:bot-<name>."""
    user = f"User:{prefix}"
    grants = [g for s in SERVICE_READS for g in service_grants(s, f"{user}{s}")]
    gateway, projector, admin = f"{user}gateway", f"{user}projector", f"{user}admin"
    grants += [
        *_on(gateway, "WRITE", COMMAND_TOPICS),
        *_on(gateway, "READ", (REPLIES,)),
        # The lag gauges: end offsets, and the groups' committed offsets.
        Grant(gateway, "DESCRIBE", TOPIC, PREFIX, prefixed=True),
        Grant(gateway, "DESCRIBE", GROUP, "pressroom-", prefixed=True),
        *_on(projector, "READ", PROJECTED_TOPICS),
        Grant(projector, "READ", GROUP, PROJECTOR_GROUP, prefixed=True),  # and a second one's
        Grant(projector, "DESCRIBE", TOPIC, PREFIX, prefixed=True),
        Grant(admin, "CREATE", TOPIC, PREFIX, prefixed=True),
        Grant(admin, "ALTER_CONFIGS", TOPIC, PREFIX, prefixed=True),
        Grant(admin, "DESCRIBE_CONFIGS", TOPIC, PREFIX, prefixed=True),
        Grant(admin, "DESCRIBE", TOPIC, PREFIX, prefixed=True),
        # Operators read everything and redeliver; a redrive's or an import's writes are
        # granted for the occasion (docs/security.md).
        Grant(f"{user}operator", "READ", TOPIC, PREFIX, prefixed=True),
        Grant(f"{user}operator", "DESCRIBE", GROUP, "pressroom-", prefixed=True),  # lag, stuck
        *_on(f"{user}operator", "WRITE", (PUBLICATION_COMMANDS,)),
    ]
    for bot in bots:
        principal = f"User:bot-{bot}"
        grants += [
            *_on(principal, "WRITE", (APPROVAL_COMMANDS,)),
            *_on(principal, "READ", (APPROVAL_EVENTS, DRAFTING_EVENTS, REPLIES)),
            Grant(principal, "READ", GROUP, f"pressroom-bot-{bot}", prefixed=True),
        ]
    return sorted(set(grants))
