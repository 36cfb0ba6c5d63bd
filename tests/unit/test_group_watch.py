"""When a consumer has lost its group for good (services/kit/group_watch.py): only after
`lost_after_s` of looking for its coordinator while a broker answered all along."""

from __future__ import annotations

from services.kit.group_watch import GroupWatch, coordinator_known


def test_a_consumer_in_its_group_or_not_started_is_never_lost() -> None:
    watch = GroupWatch(lost_after_s=60)
    assert not any(watch.lost(True, True, now) for now in range(0, 600, 5))
    assert not any(watch.lost(None, True, now) for now in range(600, 1200, 5))


def test_it_is_lost_after_looking_that_long_while_a_broker_answers() -> None:
    watch = GroupWatch(lost_after_s=60)
    assert not watch.lost(False, True, 100.0)
    assert not watch.lost(False, True, 159.0)
    assert watch.looking_for_s(159.0) == 59.0
    assert watch.lost(False, True, 160.0)


def test_a_broker_away_explains_a_missing_coordinator_and_the_count_starts_again() -> None:
    watch = GroupWatch(lost_after_s=60)
    assert not watch.lost(False, True, 0.0)
    assert not watch.lost(False, False, 50.0)  # the broker stopped: nothing to blame
    assert not watch.lost(False, True, 70.0)  # back: a minute from now, not from 0
    assert not watch.lost(False, True, 129.0)
    assert watch.lost(False, True, 130.0)


def test_finding_the_coordinator_again_starts_the_count_again() -> None:
    watch = GroupWatch(lost_after_s=60)
    assert not watch.lost(False, True, 0.0)
    assert not watch.lost(True, True, 59.0)
    assert not watch.lost(False, True, 61.0)
    assert watch.looking_for_s(100.0) == 39.0


def test_no_consumer_yet_is_not_a_lost_group() -> None:
    # The real consumer's coordinator is read in tests/integration/test_serve.py.
    assert coordinator_known(None) is None  # faust has not made its consumer yet
