"""What each topic should look like, and how a topic on the broker differs from it (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from events.topics import ALL_TOPICS, COMMAND_TOPICS, DLQ_TOPICS, EVENT_TOPICS, REPLIES
from services.kit.limits import TOPIC_MAX_MESSAGE_BYTES
from services.kit.settings import Settings


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    configs: Mapping[str, str]


@dataclass(frozen=True)
class ActualTopic:
    """A topic as the broker describes it: configs hold the values in force, defaults too."""

    name: str
    partitions: int
    replication_factor: int
    configs: Mapping[str, str]


@dataclass(frozen=True)
class TopicDrift:
    """(actual, desired) for every setting that differs; `missing` when the topic is absent."""

    name: str
    missing: bool = False
    partitions: tuple[int, int] | None = None
    replication_factor: tuple[int, int] | None = None
    configs: Mapping[str, tuple[str | None, str]] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(self.missing or self.partitions or self.replication_factor or self.configs)

    @property
    def needs_operator(self) -> bool:
        """Partition and replica counts are not changed by `topics apply` (docs/deployment.md)."""
        return bool(self.partitions or self.replication_factor)


def topic_specs(settings: Settings, topics: tuple[str, ...] = ALL_TOPICS) -> list[TopicSpec]:
    """One spec per topic; every topic has the same partition count (one release, one number)."""
    return [
        TopicSpec(
            name,
            settings.topic_partitions,
            settings.topic_replication_factor,
            {**_kind_configs(name, settings), **_durability(settings), **RECORD_SIZE},
        )
        for name in topics
    ]


def _kind_configs(name: str, settings: Settings) -> dict[str, str]:
    if name in EVENT_TOPICS:
        # The shared, replayable log every consumer and rebuild reads: forever, never compacted.
        return {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
    if name == REPLIES:
        # Keyed by command id, and a repeated command id has the same outcome: the latest
        # record per key is all a late reader (a bot, the projector's rebuild) needs.
        return {"cleanup.policy": "compact"}
    if name in COMMAND_TOPICS:
        return {"cleanup.policy": "delete", "retention.ms": str(settings.command_retention_ms)}
    if name in DLQ_TOPICS:
        return {"cleanup.policy": "delete", "retention.ms": str(settings.dlq_retention_ms)}
    return {}  # a topic of an operator's own (a restore into new names): broker defaults


# Every topic takes the records the relay's producer may send (services/kit/limits.py).
RECORD_SIZE = {"max.message.bytes": str(TOPIC_MAX_MESSAGE_BYTES)}


def _durability(settings: Settings) -> dict[str, str]:
    # acks=all producers (the relay) then fail rather than write to a single surviving replica.
    return {"min.insync.replicas": str(settings.topic_min_insync_replicas)}


def drift(spec: TopicSpec, actual: ActualTopic | None) -> TopicDrift:
    if actual is None:
        return TopicDrift(spec.name, missing=True)
    configs = {
        key: (actual.configs.get(key), wanted)
        for key, wanted in spec.configs.items()
        if actual.configs.get(key) != wanted
    }
    return TopicDrift(
        spec.name,
        partitions=_differs(actual.partitions, spec.partitions),
        replication_factor=_differs(actual.replication_factor, spec.replication_factor),
        configs=configs,
    )


def _differs(actual: int, desired: int) -> tuple[int, int] | None:
    return (actual, desired) if actual != desired else None
