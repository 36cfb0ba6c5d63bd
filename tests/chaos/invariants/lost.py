"""No event lost: every event in a service's store is on its topic, every event on a topic is in
its store (nothing published that PostgreSQL then forgot), and every accepted command's events
are in the store."""

from __future__ import annotations

from tests.chaos.invariants import Verdict
from tests.chaos.world import SERVICES, World


def no_event_lost(world: World) -> Verdict:
    verdict = Verdict("no event lost")
    for service in SERVICES:
        stored = {row["event_id"] for row in world.stores[service]}
        logged = {e.envelope.id for e in world.events[service]}
        verdict.checked += len(stored | logged)
        for missing in sorted(stored - logged)[:20]:
            verdict.fail(f"{service}: event {missing} is stored but not on the topic")
        for phantom in sorted(logged - stored)[:20]:
            verdict.fail(f"{service}: event {phantom} is on the topic but not in the store")
        for row in world.outcomes[service].values():
            if row["status"] != "accepted":
                continue
            outcome_events = set(_events_of(row["outcome"]))
            for event_id in sorted(outcome_events - stored):
                verdict.fail(f"{service}: accepted {row['command_id']}'s {event_id} not stored")
    return verdict


def _events_of(outcome: object) -> list[str]:
    import json

    data = json.loads(outcome) if isinstance(outcome, str) else outcome
    return list(data.get("events", [])) if isinstance(data, dict) else []
