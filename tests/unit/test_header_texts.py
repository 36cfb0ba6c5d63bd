"""`KafkaRecord.header_texts()` reads every header once for readers that ask for many (the
signature check): it must find for each name exactly what `header(name)` finds."""

from __future__ import annotations

import random

from events.kafka import KafkaRecord

NAMES = ["ce_id", "ce_type", "ce_actor", "ce_signature", "ce_signingkeyid", "x-other"]
VALUES: list[bytes | None] = [b"a", b"", b"\xff\xfe not UTF-8", "é ✓".encode(), None, b"second"]


def test_each_name_reads_as_header_reads_it() -> None:
    rng = random.Random(20261207)
    for _ in range(2_000):
        headers = [(rng.choice(NAMES), rng.choice(VALUES)) for _ in range(rng.randint(0, 12))]
        record = KafkaRecord(b"k", b"v", headers)  # None values too
        texts = record.header_texts()
        for name in NAMES:
            assert texts.get(name) == record.header(name), headers


def test_the_first_value_of_a_repeated_name_wins_and_a_null_one_is_skipped() -> None:
    record = KafkaRecord(
        b"k",
        b"v",
        [("ce_id", None), ("ce_id", b"first"), ("ce_id", b"second")],
    )
    assert record.header_texts() == {"ce_id": "first"}
