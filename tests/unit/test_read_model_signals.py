"""Read-your-writes wake-ups: a projector notice wakes the waiters of the releases it names."""

from __future__ import annotations

import json

from services.read_models.signals import ReleaseSignals


def _notice(*releases: str, truncated: bool = False) -> str:
    notice = {"consumer": "projector", "releases": list(releases), "commands": []}
    return json.dumps({**notice, "truncated": truncated})


def test_a_notice_wakes_only_the_releases_it_names() -> None:
    signals = ReleaseSignals()
    named, other = signals.watch("r1"), signals.watch("r2")
    signals.notify(_notice("r1", "r3"))
    assert named.is_set()
    assert not other.is_set()


def test_a_watch_after_a_notice_waits_for_the_next_one() -> None:
    signals = ReleaseSignals()
    signals.watch("r1")
    signals.notify(_notice("r1"))
    assert not signals.watch("r1").is_set()


def test_a_truncated_notice_wakes_everyone() -> None:
    signals = ReleaseSignals()
    events = [signals.watch(r) for r in ("r1", "r2")]
    signals.notify(_notice("r9", truncated=True))
    assert all(event.is_set() for event in events)


def test_a_payload_that_is_not_the_projectors_wakes_everyone() -> None:
    odd = ('{"releases": "r1", "truncated": false}', '{"releases": []}')
    for payload in ("", "not json", "[]", *odd):
        signals = ReleaseSignals()
        event = signals.watch("r1")
        signals.notify(payload)
        assert event.is_set(), payload


def test_a_release_nobody_waits_for_any_more_is_forgotten() -> None:
    signals = ReleaseSignals()
    for _ in range(2):
        signals.enter("r1")
        signals.watch("r1")
    signals.leave("r1")
    assert len(signals) == 1  # one waiter still there
    signals.leave("r1")
    assert len(signals) == 0
