"""Each consumer sees each release's events in order: on every events topic, a release's stream
versions (repeats of a re-published event dropped) come 1, 2, 3... in log order, the history read
model has each stored event once, and the projector wrote each release's history in version
order (its rows' ids grow with the versions)."""

from __future__ import annotations

from collections import Counter, defaultdict

from tests.chaos.invariants import Verdict
from tests.chaos.world import SERVICES, World


def in_order(world: World) -> Verdict:
    verdict = Verdict("each release's events in order")
    for service in SERVICES:
        seen: dict[str, list[int]] = defaultdict(list)
        ids: dict[tuple[str, int], set[str]] = defaultdict(set)
        for e in world.events[service]:
            version = e.envelope.sequence or 0
            ids[(e.envelope.subject, version)].add(e.envelope.id)
            if version not in seen[e.envelope.subject]:
                seen[e.envelope.subject].append(version)
        for release, versions in seen.items():
            verdict.checked += len(versions)
            if versions != list(range(1, len(versions) + 1)):
                verdict.fail(f"{service} {release}: versions in log order {versions}")
        for (release, version), event_ids in ids.items():
            if len(event_ids) > 1:
                verdict.fail(f"{service} {release} v{version}: {len(event_ids)} different events")
    _history_once(world, verdict)
    _projected_in_order(world, verdict)
    return verdict


def _projected_in_order(world: World, verdict: Verdict) -> None:
    written: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in sorted(world.history, key=lambda row: row["id"]):
        written[(row["release_id"], row["service"])].append(row["stream_version"])
    for (release, service), versions in written.items():
        if versions != sorted(versions):
            verdict.fail(f"the projector wrote {service} {release} out of order: {versions}")


def _history_once(world: World, verdict: Verdict) -> None:
    stored = {(r["stream_id"], s, r["version"]) for s in SERVICES for r in world.stores[s]}
    rows = Counter(
        (row["release_id"], row["service"], row["stream_version"]) for row in world.history
    )
    for key, count in rows.items():
        if count > 1:
            verdict.fail(f"release history holds {key} {count} times")
        if key not in stored:
            verdict.fail(f"release history holds {key}, which no store has")
