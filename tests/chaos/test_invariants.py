"""The chaos checker's invariants can fail: each is shown a small World that breaks it (and one
that keeps it), so a green chaos run means the property held, not that nothing was looked at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from events.approval import ReleaseApproved
from events.content import ReleaseContent, content_hash
from events.embargo import EmbargoSet
from events.envelope import Envelope
from events.publication import ReleasePublished
from events.replies import CommandOutcome, OutcomeStatus
from tests.chaos.invariants.approved import only_approved_public
from tests.chaos.invariants.deliveries import deliveries_once_in_order
from tests.chaos.invariants.early import nothing_early
from tests.chaos.invariants.lost import no_event_lost
from tests.chaos.invariants.order import in_order
from tests.chaos.invariants.outcomes import one_outcome_per_command
from tests.chaos.ledger import Ledger
from tests.chaos.receiver import Call
from tests.chaos.world import SERVICES, Logged, World

T0 = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
R = "chaos-r1"
CONTENT = ReleaseContent(title="UK and Japan", organisations=["fco"])
HASH = content_hash(CONTENT)


def logged(data: Any, version: int, at: datetime, event_id: str = "") -> Logged:
    envelope = Envelope[Any](
        id=event_id or f"{data.type}-{version}", source="/t", time=at, subject=R, data=data,
        sequence=version, correlation_id="c", actor="a",
    )  # fmt: skip
    return Logged(envelope, at, 0, version)


def world(**events: list[Logged]) -> World:
    ledger = Ledger(topic="t", releases={R: "kafka"})
    found = World(ledger, events={s: events.get(s, []) for s in SERVICES})
    found.stores = {s: [_row(e) for e in found.events[s]] for s in SERVICES}
    found.outcomes = {s: {} for s in SERVICES}
    return found


def _row(e: Logged) -> dict[str, Any]:
    return {"stream_id": R, "version": e.envelope.sequence, "event_id": e.envelope.id}


def published(at: datetime, content_hash_: str = HASH) -> Logged:
    edition = ReleasePublished(
        release_id=R, edition=1, update_type="major", change_note="First published.",
        slug="uk-and-japan", revision=1, content_hash=content_hash_, content=CONTENT,
        first_published_at=at, public_updated_at=at, change_history=[], published_by="carol",
    )  # fmt: skip
    return logged(edition, 1, at)


def approved(at: datetime, hash_: str = HASH) -> Logged:
    data = ReleaseApproved(release_id=R, revision=1, content_hash=hash_, approvers=["e", "f"])
    return logged(data, 1, at)


def embargo(lift_at: datetime, at: datetime) -> Logged:
    data = EmbargoSet(
        release_id=R, lift_at=lift_at, recipients=[], pre_release_at=None, set_by="carol"
    )
    return logged(data, 1, at)


def test_a_publication_before_its_lift_is_a_violation() -> None:
    lift = T0 + timedelta(seconds=10)
    early = world(
        embargo=[embargo(lift, T0)], publication=[published(lift - timedelta(milliseconds=5))]
    )
    on_time = world(embargo=[embargo(lift, T0)], publication=[published(lift)])
    assert len(nothing_early(early).violations) == 2  # decided early, and on the topic early
    assert nothing_early(on_time).violations == []


def test_a_published_hash_nobody_approved_is_a_violation() -> None:
    other = "sha256:" + "0" * 64
    wrong = world(approval=[approved(T0, other)], publication=[published(T0)])
    right = world(approval=[approved(T0)], publication=[published(T0)])
    assert only_approved_public(wrong).violations
    assert only_approved_public(right).violations == []


def test_an_event_stored_but_not_on_its_topic_is_lost() -> None:
    lost = world(publication=[published(T0)])
    lost.events["publication"] = []
    assert no_event_lost(lost).violations
    assert no_event_lost(world(publication=[published(T0)])).violations == []


def test_a_command_without_an_outcome_or_with_two_is_a_violation() -> None:
    found = world()
    found.ledger.commands = {"c1": "CreateDraft", "c2": "CreateDraft"}
    found.replies["c2"] += [_outcome("c2", OutcomeStatus.ACCEPTED), _outcome("c2", "conflict")]
    assert len(one_outcome_per_command(found).violations) == 2


def test_versions_out_of_order_on_a_topic_are_a_violation() -> None:
    second, first = published(T0), approved(T0)
    shuffled = world(approval=[logged(second.envelope.data, 2, T0), first])
    assert in_order(shuffled).violations


def test_two_delivery_ids_for_one_notice_or_notices_out_of_order_are_violations() -> None:
    found = world()
    found.calls = [_call("d1", 2, at=1), _call("d2", 2, at=2), _call("d3", 1, at=3)]
    verdict = deliveries_once_in_order(found)
    assert any("2 delivery ids" in v for v in verdict.violations)
    assert any("out of order" in v for v in verdict.violations)


def test_a_slow_answer_finishing_after_a_later_call_keeps_the_order_of_arrival() -> None:
    found = world()
    # the withdrawal arrived first and was answered slowly; its resend and the next notice after
    slow = _call("d1", 1, "withdrawn", at=1.0)
    found.calls = [_call("d0", 1, at=0.0), _call("d1", 1, "withdrawn", at=2.0),
                   _call("d2", 1, "unpublished", at=3.0), slow]  # fmt: skip
    assert deliveries_once_in_order(found).violations == []


def _outcome(command_id: str, status: str) -> CommandOutcome:
    return CommandOutcome(
        command_id=command_id, command_type="CreateDraft", release_id=R,
        status=OutcomeStatus(status), stream_version=1,
    )  # fmt: skip


def _call(delivery_id: str, edition: int, notice: str = "published", at: float = 0.0) -> Call:
    body = {"release_id": R, "edition": edition, "notice": notice, "delivery_id": delivery_id}
    return Call("/hook-0", {}, body, 200, at)


def test_history_written_out_of_version_order_is_a_violation() -> None:
    found = world(approval=[approved(T0), logged(approved(T0).envelope.data, 2, T0, "a2")])
    found.history = [
        {"id": 1, "release_id": R, "service": "approval", "stream_version": 2},
        {"id": 2, "release_id": R, "service": "approval", "stream_version": 1},
    ]
    assert [v for v in in_order(found).violations if "out of order" in v]
    found.history.reverse()
    found.history = [dict(row, id=n) for n, row in enumerate(found.history)]
    assert in_order(found).violations == []
