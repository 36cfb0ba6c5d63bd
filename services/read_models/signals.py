"""Which read-your-writes waiters a projector NOTIFY wakes: only those of the releases it names.

Waking every waiter on every batch made each of them query its release again: at 50 requests a
second, a few hundred queries a second that found nothing new. The projector names the releases
of a batch in the payload (up to 50, else `truncated`); anything unexpected wakes everyone, as
before, so a waiter never sleeps through its release (the poll stays the last resort)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field


@dataclass
class ReleaseSignals:
    """One asyncio.Event per release someone waits for, replaced each time it is set."""

    _events: dict[str, asyncio.Event] = field(default_factory=dict)
    _waiters: dict[str, int] = field(default_factory=dict)

    def watch(self, release_id: str) -> asyncio.Event:
        """The event the next notice about `release_id` sets: take it before checking the read
        model, so a notice between the check and the wait is not missed."""
        event = self._events.get(release_id)
        if event is None:
            event = self._events[release_id] = asyncio.Event()
        return event

    def enter(self, release_id: str) -> None:
        self._waiters[release_id] = self._waiters.get(release_id, 0) + 1

    def leave(self, release_id: str) -> None:
        """Forgets the release's event once nobody waits for it (no growth with stale ids)."""
        left = self._waiters.get(release_id, 1) - 1
        if left > 0:
            self._waiters[release_id] = left
            return
        self._waiters.pop(release_id, None)
        self._events.pop(release_id, None)

    def notify(self, payload: str | None) -> None:
        """Wakes the waiters of the releases a notice names; all of them when it names none
        reliably (truncated, not the projector's JSON, or no payload: a reconnect)."""
        releases = _named_releases(payload)
        if releases is None:
            self.wake_all()
            return
        for release_id in releases:
            event = self._events.pop(release_id, None)
            if event is not None:
                event.set()

    def wake_all(self) -> None:
        events, self._events = self._events, {}
        for event in events.values():
            event.set()

    def __len__(self) -> int:
        return len(self._events)


def _named_releases(payload: str | None) -> list[str] | None:
    if not payload:
        return None
    try:
        notice = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(notice, dict) or notice.get("truncated") is not False:
        return None
    releases = notice.get("releases")
    if not isinstance(releases, list) or not all(isinstance(r, str) for r in releases):
        return None
    return releases
