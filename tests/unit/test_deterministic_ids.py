"""`deterministic_id` is a UUIDv5 in Pressroom's namespace, bit for bit what `uuid.uuid5` gives:
stored event ids, policy command ids and deadline command ids depend on it never changing."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from events.envelope import PRESSROOM_NAMESPACE, deterministic_id


def reference(*parts: str) -> str:
    return str(uuid.uuid5(PRESSROOM_NAMESPACE, "\x1f".join(parts)))


# Text that UTF-8 can encode (a lone surrogate cannot, for uuid5 either).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)


@given(st.lists(TEXT, min_size=1, max_size=5))
def test_it_is_the_uuid5_of_its_parts_joined(parts: list[str]) -> None:
    assert deterministic_id(*parts) == reference(*parts)


def test_ids_stored_before_keep_their_value() -> None:
    # Written down once from uuid.uuid5: ids like these are already in every event store.
    assert deterministic_id("cmd-1", "1") == "f3f477bb-340b-5da6-b4d2-f7141e43a789"
    assert deterministic_id("rel-1", "publication", "3") == "f29cc5c2-e606-5941-b0cb-ce82aa4d613c"
    german = deterministic_id("Pressemitteilung \u2013 \u00c4", "\u00fc")  # non-ASCII
    assert german == "20469606-847c-57aa-9798-dee866256311"
    parsed = uuid.UUID(deterministic_id("rel-1", "embargo", "lift"))
    assert parsed.version == 5
    assert parsed.variant == uuid.RFC_4122
