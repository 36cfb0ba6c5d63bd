"""When may a release go public: one decision, on embargo's stream (services/embargo/clearance.py).
Given/when/then for embargo's answer, and a property over both services composed the way the
kit runs them: a publish and an embargo sent at once, in any interleaving, exactly one wins."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hypothesis import event as label
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st

from events.actor import Actor
from events.content import ReleaseContent, content_hash
from events.embargo import (
    ApprovedRevisionNoted,
    ClearPublication,
    EmbargoCancelled,
    EmbargoLifted,
    EmbargoSet,
    PublicationCleared,
    PublicationHeld,
    SetEmbargo,
)
from events.envelope import Envelope
from events.publication import ApprovedRevisionNoted as PublicationApproved
from events.publication import (
    PublicationRequested,
    PublishRelease,
    ReleasePublished,
    RevisionContentNoted,
)
from events.replies import Rejection
from events.rules import NotAllowed
from services.embargo.decider import EMBARGO
from services.embargo.reactions import reaction_to_publication
from services.embargo.rules import AlreadyLifted, AlreadyReleased, Status
from services.publication.decider import PUBLICATION
from services.publication.reactions import reaction_to_embargo
from tests.unit.given_when_then import NOW, specification

given = specification(EMBARGO)
RELEASE = "uk-japan-2016"
CONTENT = ReleaseContent(title="UK and Japan", body="Talks.", organisations=["fco"])
HASH = content_hash(CONTENT)
LIFT = NOW + timedelta(hours=6)
SYSTEM = Actor(id="pressroom-embargo", roles=["system"])
PAUL = Actor(id="paul", roles=["press-officer"], organisation="fco")
EMBARGOED = EmbargoSet(
    release_id=RELEASE, lift_at=LIFT, recipients=[], pre_release_at=None, set_by="paul"
)
CLEARED = PublicationCleared(
    release_id=RELEASE, revision=1, content_hash=HASH, requested_by="paul", cleared_at=NOW
)
HELD = PublicationHeld(
    release_id=RELEASE, revision=1, content_hash=HASH, requested_by="paul", lift_at=LIFT
)
LIFTED = EmbargoLifted(
    release_id=RELEASE, lift_at=NOW, lifted_at=NOW, lateness_ms=0, revision=1, content_hash=HASH
)


def clear(actor: Actor = SYSTEM) -> ClearPublication:
    return ClearPublication(
        release_id=RELEASE, actor=actor, revision=1, content_hash=HASH, requested_by="paul"
    )


def set_embargo() -> SetEmbargo:
    return SetEmbargo(release_id=RELEASE, actor=PAUL, lift_at=LIFT)


def test_with_no_embargo_a_publication_is_cleared_now() -> None:
    given([]).when(clear()).then([CLEARED])


def test_under_an_active_embargo_a_publication_is_held_until_the_lift() -> None:
    given([EMBARGOED]).when(clear()).then([HELD])


def test_after_a_cancelled_embargo_a_publication_is_cleared() -> None:
    cancelled = EmbargoCancelled(release_id=RELEASE, lift_at=LIFT, cancelled_by="paul")
    given([EMBARGOED, cancelled]).when(clear()).then([CLEARED])


def test_once_cleared_a_release_is_never_embargoed() -> None:
    refused = given([CLEARED]).when(set_embargo()).then_rejects(AlreadyReleased)
    assert refused.problem().type == "urn:pressroom:problem:already-released"
    assert given([CLEARED]).state.status is Status.CLEARED


def test_a_lifted_release_stays_lifted_when_cleared_again() -> None:
    given([EMBARGOED, LIFTED]).when(clear()).then([CLEARED])
    given([EMBARGOED, LIFTED, CLEARED]).when(set_embargo()).then_rejects(AlreadyLifted)


def test_only_embargos_own_policy_asks_for_a_clearance() -> None:
    given([]).when(clear(actor=PAUL)).then_rejects(NotAllowed)


@dataclass
class TwoServices:
    """Publication and embargo as the kit runs them: four queues, handled in any order; a
    PublishRelease that asks embargo stays pending until embargo's answer reaches publication."""

    publication: list[Any] = field(default_factory=list)
    embargo: list[Any] = field(default_factory=list)
    queues: dict[str, deque[Any]] = field(default_factory=dict)
    pending: list[PublishRelease] = field(default_factory=list)
    outcomes: dict[str, bool] = field(default_factory=dict)  # command: accepted?

    def start(self) -> None:
        self.publication = [
            RevisionContentNoted(
                release_id=RELEASE, revision=1, content_hash=HASH, content=CONTENT
            ),
            PublicationApproved(release_id=RELEASE, revision=1, content_hash=HASH),
        ]
        self.embargo = [ApprovedRevisionNoted(release_id=RELEASE, revision=1, content_hash=HASH)]
        self.queues = {
            "publication.commands": deque([PublishRelease(release_id=RELEASE, actor=PAUL)]),
            "embargo.commands": deque([set_embargo()]),
            "publication.events": deque(),  # what embargo's policy reads
            "embargo.events": deque(),  # what publication's policy reads
        }

    def step(self, queue: str) -> None:
        item = self.queues[queue].popleft()
        match queue:
            case "publication.commands":
                self.publish(item)
            case "embargo.commands":
                self.outcomes["set"] = bool(self.decide_embargo(item))
            case "publication.events":
                command = reaction_to_publication(_envelope(item))
                if command is not None:
                    self.decide_embargo(command)
            case "embargo.events":
                command = reaction_to_embargo(_envelope(item))
                if command is not None:
                    self.decide_publication(command)
                    if PUBLICATION.answers(command):
                        pending, self.pending = self.pending, []
                        for publish in pending:
                            self.publish(publish)

    def publish(self, command: PublishRelease) -> None:
        events = self.decide_publication(command)
        if events and PUBLICATION.asks(events):
            self.pending.append(command)
        else:
            self.outcomes["publish"] = bool(events)

    def decide_publication(self, command: Any) -> list[Any]:
        return _decide(PUBLICATION, self.publication, command, self.queues["publication.events"])

    def decide_embargo(self, command: Any) -> list[Any]:
        return _decide(EMBARGO, self.embargo, command, self.queues["embargo.events"])


def _decide(decider: Any, log: list[Any], command: Any, out: deque[Any]) -> list[Any]:
    try:
        events = list(decider.decide(command, decider.fold(log), NOW))
    except Rejection:
        return []
    log += events
    out.extend(events)
    return events


def _envelope(event: Any) -> Envelope[Any]:
    return Envelope[Any](
        id="e", source="/pressroom/test", time=NOW, subject=RELEASE, data=event,
        correlation_id="c", causation_id="c", actor="test",
    )  # fmt: skip


@settings(max_examples=300, deadline=None)
@for_all(st.lists(st.integers(0, 3), min_size=0, max_size=40))
def test_a_publish_and_an_embargo_sent_at_once_never_both_win_whatever_the_interleaving(
    choices: list[int],
) -> None:
    run = TwoServices()
    run.start()
    for choice in [*choices, *[0, 1, 2, 3] * 10]:  # then drain every queue
        queue = list(run.queues)[choice]
        if run.queues[queue]:
            run.step(queue)
    assert not any(run.queues.values()) and run.pending == [], "every command answered"
    assert set(run.outcomes) == {"publish", "set"}
    assert sorted(run.outcomes.values()) == [False, True], f"exactly one wins: {run.outcomes}"
    editions = [e for e in run.publication if isinstance(e, ReleasePublished)]
    assert len(editions) == (1 if run.outcomes["publish"] else 0), "nothing public before the lift"
    asked = [e for e in run.publication if isinstance(e, PublicationRequested)]
    label(f"winner: {'publish' if run.outcomes['publish'] else 'embargo'}, asked: {len(asked)}")
