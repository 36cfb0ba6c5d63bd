"""Two drafting instances in one group; one is SIGKILLed under load: nothing lost, order kept."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from events.content import ContentChanges
from events.drafting import ReviseDraft
from events.kafka import KafkaRecord
from events.replies import OutcomeStatus
from events.topics import DRAFTING_EVENTS
from services.kit.settings import Settings
from tests.integration.serve_support import Served, serve
from tests.integration.test_serve import (
    ALICE,
    create,
    key_in,
    ready,
    replies_to,
    send_steadily,
)
from tests.support import command_envelope, eventually, read_topic

pytestmark = pytest.mark.integration
RELEASES = 40
REVISIONS = 4


@pytest.fixture
def two_draftings(infra: Settings, tmp_path: Path) -> Iterator[tuple[Served, Served]]:
    pair = (serve("drafting", tmp_path / "a.log"), serve("drafting", tmp_path / "b.log"))
    try:
        yield pair
    finally:
        for served in pair:
            served.stop()


async def test_a_killed_instance_loses_nothing_and_each_release_keeps_its_order(
    infra: Settings, two_draftings: tuple[Served, Served]
) -> None:
    doomed, survivor = two_draftings
    await ready(doomed)
    await ready(survivor)
    releases = [str(uuid.uuid4()) for _ in range(RELEASES)]
    # Per release: create, then revisions each expecting the version before it. A revision
    # handled out of order would be refused (409-style), so all accepted means order held.
    rounds = [[create(r) for r in releases]] + [
        [revise(r, version) for r in releases] for version in range(1, REVISIONS + 1)
    ]
    envelopes = [command_envelope(command) for batch in rounds for command in batch]
    sending = asyncio.create_task(send_steadily(infra.kafka_bootstrap, envelopes))
    await eventually(lambda: replies_to(infra, {e.id for e in envelopes[:20]}), what="20 replies")
    doomed.process.kill()  # SIGKILL: no goodbye, its partitions move after the session timeout
    await sending
    outcomes = await eventually(
        lambda: replies_to(infra, {e.id for e in envelopes}), 240, "every reply"
    )
    assert {o.status for o in outcomes.values()} == {OutcomeStatus.ACCEPTED}
    assert survivor.process.poll() is None
    events = await read_topic(infra.kafka_bootstrap, DRAFTING_EVENTS, key_in(releases))
    assert versions_in_log_order(events) == {r: list(range(1, REVISIONS + 2)) for r in releases}


def revise(release_id: str, expected_version: int) -> ReviseDraft:
    return ReviseDraft(
        release_id=release_id,
        actor=ALICE,
        expected_version=expected_version,
        changes=ContentChanges(summary=f"revision {expected_version}"),
    )


def versions_in_log_order(events: list[KafkaRecord]) -> dict[str, list[int]]:
    """Each release's stream versions in the order the log holds them, repeats dropped (a relay
    that died after Kafka's ack publishes again; consumers deduplicate on the version)."""
    seen: dict[str, list[int]] = defaultdict(list)
    for record in events:
        release, version = (record.key or b"").decode(), int(record.header("ce_sequence") or 0)
        if version not in seen[release]:
            seen[release].append(version)
    return dict(seen)
