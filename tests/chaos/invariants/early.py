"""Nothing public before its lift: a release's first edition, decided and on the topic, comes no
earlier than the lift of the embargo in force when it was decided (the last one set or changed
before it, unless cancelled since)."""

from __future__ import annotations

from datetime import datetime

from events.embargo import EmbargoCancelled, EmbargoChanged, EmbargoSet
from events.publication import ReleasePublished
from tests.chaos.invariants import Verdict
from tests.chaos.world import Logged, World


def nothing_early(world: World) -> Verdict:
    verdict = Verdict("nothing public before its lift")
    for release in world.ledger.releases:
        editions = [e for e in world.of("publication", release) if _first_edition(e)]
        if not editions:
            continue
        first = editions[0]
        verdict.checked += 1
        lift = _lift_in_force(world.of("embargo", release), first.envelope.time)
        if lift is None:
            continue
        for when, what in ((first.envelope.time, "decided"), (first.logged_at, "on the topic")):
            if when < lift:
                early = (lift - when).total_seconds()
                verdict.fail(f"{release}: public {early:.3f} s before its lift ({what})")
    return verdict


def _first_edition(e: Logged) -> bool:
    return isinstance(e.envelope.data, ReleasePublished) and e.envelope.data.edition == 1


def _lift_in_force(embargo: list[Logged], at: datetime) -> datetime | None:
    lift = None
    for e in (e for e in embargo if e.envelope.time <= at):
        if isinstance(e.envelope.data, EmbargoSet | EmbargoChanged):
            lift = e.envelope.data.lift_at
        elif isinstance(e.envelope.data, EmbargoCancelled):
            lift = None
    return lift
