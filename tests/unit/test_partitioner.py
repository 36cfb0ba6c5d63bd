"""Kafka's partitioner with murmur2 in native code chooses what every other Kafka client does."""

from __future__ import annotations

import random

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from services.kit.partitioner import PARTITIONER, murmur2


# The Java client's choices among 1,000 partitions (org.apache.kafka.clients.producer's default
# partitioner), as aiokafka's and kafka-python's tests hold them.
@pytest.mark.parametrize(
    ("key", "partition"),
    [(b"", 681), (b"a", 524), (b"ab", 434), (b"abc", 107), (b"123456789", 566), (b"\x00 ", 742)],
)
def test_keys_go_where_the_java_client_sends_them(key: bytes, partition: int) -> None:
    partitions = list(range(1000))
    assert PARTITIONER(key, partitions, partitions) == partition


def test_murmur2_equals_aiokafkas_on_keys_of_every_length_up_to_a_few_words() -> None:
    rng = random.Random(15)
    keys = [rng.randbytes(length) for length in range(0, 130) for _ in range(20)]
    keys += [b"\xff" * 37, b"\x80" * 9, b"0196f2c4-7a1e-7c3b-9d2a-5b8e1f0a3c47"]
    assert [murmur2(key) for key in keys] == [aiokafka_murmur2(key) for key in keys]


def test_a_release_id_goes_to_the_partition_aiokafka_would_choose_for_any_partition_count() -> None:
    default = DefaultPartitioner()
    rng = random.Random(7)
    for count in (1, 2, 3, 4, 12, 50):
        partitions = list(range(count))
        for _ in range(200):
            key = f"rel-{rng.getrandbits(64):016x}".encode()
            assert PARTITIONER(key, partitions, partitions) == default(key, partitions, partitions)


def test_a_key_given_as_bytearray_or_memoryview_hashes_as_its_bytes() -> None:
    assert (
        murmur2(bytearray(b"release-1"))
        == murmur2(memoryview(b"release-1"))
        == murmur2(b"release-1")
    )


def test_a_record_without_a_key_goes_to_an_available_partition_or_any_when_none_is() -> None:
    assert PARTITIONER(None, [0, 1, 2, 3], [2]) == 2
    assert PARTITIONER(None, [0, 1, 2, 3], []) in {0, 1, 2, 3}
