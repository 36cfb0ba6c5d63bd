"""A batch beaten to a release's first row is folded again, but not forever
(services/projector/new_releases.py)."""

from __future__ import annotations

import pytest

from services.kit.transient import StreamContended, is_transient
from services.projector.new_releases import (
    ATTEMPTS,
    ReleasesBegunElsewhere,
    again_if_begun_elsewhere,
)


async def test_a_beaten_batch_is_folded_again_until_it_goes_through() -> None:
    attempts: list[int] = []

    async def attempt() -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            raise ReleasesBegunElsewhere({"r-2", "r-1"})
        return "written"

    assert await again_if_begun_elsewhere(attempt, "projector") == "written"
    assert attempts == [1, 2, 3]


async def test_beaten_every_time_it_is_waited_out_as_contention_not_a_bug() -> None:
    attempts = 0

    async def attempt() -> None:
        nonlocal attempts
        attempts += 1
        raise ReleasesBegunElsewhere({"r-1"})

    with pytest.raises(StreamContended) as raised:
        await again_if_begun_elsewhere(attempt, "projector")
    assert attempts == ATTEMPTS
    assert is_transient(raised.value)
    assert "r-1" in str(raised.value)


async def test_any_other_failure_is_not_retried_here() -> None:
    attempts = 0

    async def attempt() -> None:
        nonlocal attempts
        attempts += 1
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        await again_if_begun_elsewhere(attempt, "projector")
    assert attempts == 1


def test_the_error_names_the_releases_in_order() -> None:
    beaten = ReleasesBegunElsewhere({"r-b", "r-a"})
    assert beaten.release_ids == ["r-a", "r-b"]
    assert str(beaten) == "releases begun by another writer: r-a, r-b"
