"""Kafka's default partitioner for keyed records, with murmur2 computed in native code.

Which partition a record goes to is part of the contract: a release's events, commands and
replies share a key (the release id) so that they stay in order on one partition, and any
producer in any language (the Java client, librdkafka's `murmur2_random`, aiokafka) must agree
on it. aiokafka's DefaultPartitioner computes the same murmur2 in pure Python, ~5 µs for a
release id against ~0.15 µs here: 4% of drafting's CPU in the pipeline, once per record every
relay sends (docs/benchmarks.md, "murmur2 in native code"). tests/unit/test_partitioner.py
holds it to Kafka's own figures and to aiokafka's on random keys.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from murmurhash2 import murmurhash2

# The seed of Kafka's Utils.murmur2 (org.apache.kafka.common.utils.Utils).
KAFKA_MURMUR2_SEED = 0x9747B28C


def murmur2(key: bytes | bytearray | memoryview) -> int:
    """Kafka's murmur2 of a key, unsigned 32 bits (the Java client's int, read as unsigned)."""
    return murmurhash2(key if type(key) is bytes else bytes(key), KAFKA_MURMUR2_SEED)


class KafkaPartitioner:
    """aiokafka's DefaultPartitioner, same choices; given to every producer (`partitioner=`)."""

    def __call__(
        self, key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]
    ) -> int:
        if key is None:  # no key, no order to keep: any partition, as aiokafka chooses
            return random.choice(available or all_partitions)
        # Kafka's toPositive, then modulo the topic's partition count, sorted by id.
        return all_partitions[(murmur2(key) & 0x7FFFFFFF) % len(all_partitions)]


PARTITIONER = KafkaPartitioner()
