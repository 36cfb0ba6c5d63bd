"""If-Match, If-None-Match, Idempotency-Key and Pressroom-Read-After, parsed without I/O."""

from __future__ import annotations

import time
import uuid

import pytest

from events.envelope import deterministic_id
from services.gateway.preconditions import (
    ReadAfter,
    command_ids,
    etag,
    expected_version,
    none_match,
    read_after,
)
from services.gateway.problems import ProblemError


@pytest.mark.parametrize(("header", "version"), [('"3"', 3), ('W/"3"', 3), (' "0" ', 0)])
def test_if_match_names_a_version(header: str, version: int) -> None:
    assert expected_version(header, required=True) == version


@pytest.mark.parametrize("header", [None, "", "*"])
def test_a_required_if_match_without_a_version_is_428(header: str | None) -> None:
    with pytest.raises(ProblemError) as raised:
        expected_version(header, required=True)
    assert raised.value.status == 428


@pytest.mark.parametrize("header", [None, "*"])
def test_an_optional_if_match_may_be_absent_or_any(header: str | None) -> None:
    assert expected_version(header, required=False) is None


@pytest.mark.parametrize("header", ["3", '"three"', '"1", "2"', '"-1"', "W/3", '"3'])
def test_a_garbage_if_match_is_400(header: str) -> None:
    for required in (True, False):
        with pytest.raises(ProblemError) as raised:
            expected_version(header, required=required)
        assert raised.value.status == 400
        assert raised.value.type.endswith("invalid-precondition")


def test_the_etag_is_the_quoted_version() -> None:
    assert etag(7) == '"7"'


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"4"', True),
        ('W/"4"', True),
        ('"3", "4"', True),
        ("*", True),
        ('"3"', False),
        (None, False),
    ],
)
def test_if_none_match_compares_weakly(header: str | None, matches: bool) -> None:
    assert none_match(header, 4) is matches


def test_the_same_idempotency_key_gives_the_same_ids() -> None:
    first = command_ids("alice", "post", "/v1/releases", "key-1")
    again = command_ids("alice", "POST", "/v1/releases", "key-1")
    assert first == again
    assert first.command_id == deterministic_id("alice", "POST", "/v1/releases", "key-1")
    assert first.new_release_id == deterministic_id(first.command_id, "release")


def test_the_key_is_scoped_to_principal_method_and_path() -> None:
    base = command_ids("alice", "POST", "/v1/releases", "k").command_id
    assert command_ids("bob", "POST", "/v1/releases", "k").command_id != base
    assert command_ids("alice", "PATCH", "/v1/releases", "k").command_id != base
    assert command_ids("alice", "POST", "/v1/releases/x/submit", "k").command_id != base


def test_without_a_key_every_request_is_a_new_command() -> None:
    assert command_ids("alice", "POST", "/v1/releases", None) != command_ids(
        "alice", "POST", "/v1/releases", None
    )


def test_without_a_key_the_ids_are_time_ordered_uuids() -> None:
    """Primary keys of the write path: made in order, they sort in order (UUIDv7), so inserts
    fill the right-hand pages of their indexes instead of random ones."""
    made = [command_ids("alice", "POST", "/v1/releases", None) for _ in range(2_000)]
    for ids in made[:3]:
        assert uuid.UUID(ids.command_id).version == 7
        assert uuid.UUID(ids.new_release_id).version == 7
    in_order = [i for ids in made for i in (ids.command_id, ids.new_release_id)]
    assert in_order == sorted(in_order)
    assert len(set(in_order)) == len(in_order)
    made_at_ms = uuid.UUID(made[-1].new_release_id).int >> 80
    assert abs(made_at_ms - time.time() * 1000) < 60_000  # the millisecond it was made


@pytest.mark.parametrize("key", ["", "with space", "x" * 256, "naïve"])
def test_a_malformed_idempotency_key_is_400(key: str) -> None:
    with pytest.raises(ProblemError) as raised:
        command_ids("alice", "POST", "/v1/releases", key)
    assert raised.value.status == 400


def test_read_after_splits_at_the_last_colon() -> None:
    assert read_after("rel:with:colons:12") == ReadAfter("rel:with:colons", 12)


def test_min_version_applies_to_the_route_release() -> None:
    assert read_after(None, "r1", 3) == ReadAfter("r1", 3)
    assert read_after(None, "r1", None) is None


@pytest.mark.parametrize("header", ["r1", "r1:", ":3", "r1:x", "r1:-1"])
def test_a_malformed_read_after_is_400(header: str) -> None:
    with pytest.raises(ProblemError) as raised:
        read_after(header)
    assert raised.value.status == 400
