"""A release as it was at a moment: its events up to then, folded with each service's evolve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from events.base import Event, Message
from events.envelope import Envelope
from operator_tools.deciders import DECIDERS, AnyDecider
from operator_tools.errors import OpsError


@dataclass(frozen=True)
class ServiceState:
    """One service's state of the release, and how many of its events made it."""

    service: str
    events: int
    last_event_at: datetime
    state: Any


def state_at(
    release_id: str,
    envelopes: Sequence[Envelope[Message]],
    at: datetime,
    deciders: Mapping[str, AnyDecider] = DECIDERS,
) -> list[ServiceState]:
    """Folds every event stamped at or before `at`; OpsError when there is nothing to fold."""
    if not envelopes:
        raise OpsError(f"no events for release {release_id!r} in the log: is the id right?")
    known = [e for e in envelopes if e.time <= at and isinstance(e.data, Event)]
    if not known:
        first = min(e.time for e in envelopes).isoformat()
        raise OpsError(
            f"release {release_id!r} did not exist yet at {at.isoformat()}: its"
            f" first event is at {first}"
        )
    return [
        _fold(service, decider, [e for e in known if e.data.service == service])
        for service, decider in deciders.items()
        if any(e.data.service == service for e in known)
    ]


def _fold(service: str, decider: AnyDecider, envelopes: list[Envelope[Message]]) -> ServiceState:
    # One service's events fold in stream order, whatever their clocks said.
    ordered = sorted(envelopes, key=lambda e: e.sequence or 0)
    state = decider.fold(e.data for e in ordered)
    return ServiceState(service, len(ordered), max(e.time for e in ordered), state)


def unfolded_services(envelopes: Sequence[Envelope[Message]]) -> set[str]:
    """Services with events but no decider in the table: shown, not folded."""
    return {e.data.service for e in envelopes} - set(DECIDERS)
