"""The pure part of a command batch: decided in order on each stream as the batch left it, a
repeat (stored or earlier in the batch) replayed, a command still pending left alone, and the
batch cut after each command that answers pending ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from events.actor import Actor
from events.base import Message
from events.catalog import REGISTRY
from events.content import ContentChanges, ReleaseContent
from events.drafting import CreateDraft, DraftCreated, ReviseDraft
from events.envelope import Envelope
from events.replies import OutcomeStatus
from services.drafting.decider import DRAFTING
from services.kit.batches import decide_all, runs
from services.kit.decider import Decider
from services.kit.eventstore import EventStore
from services.kit.handler import CommandHandler
from tests.support import command_envelope
from tests.unit.given_when_then import NOW

ALICE = Actor(id="alice", roles=["writer"], organisation="fco")


def handler(decider: Decider[Any, Any, Any] = DRAFTING) -> CommandHandler:
    """Deciding needs neither pool nor connection: only the decider and the clock."""
    store = EventStore("drafting", REGISTRY)
    return CommandHandler(cast(Any, None), store, decider, clock=lambda: NOW)


def create(release_id: str) -> Envelope[Message]:
    content = ReleaseContent(title="UK and Japan talks", organisations=["fco"])
    return command_envelope(CreateDraft(release_id=release_id, actor=ALICE, content=content))


def revise(release_id: str, expected_version: int) -> Envelope[Message]:
    changes = ContentChanges(title=f"Revision {expected_version + 1}")  # a change each time
    return command_envelope(
        ReviseDraft(
            release_id=release_id, actor=ALICE, expected_version=expected_version, changes=changes
        )
    )


def test_two_commands_of_one_stream_are_decided_one_after_the_other() -> None:
    batch = [create("rel-a"), revise("rel-a", 1), create("rel-b"), revise("rel-a", 2)]
    decided = decide_all(handler(), batch, {}, {}, set())
    assert [(d.outcome.status, d.outcome.stream_version) for d in decided] == [
        (OutcomeStatus.ACCEPTED, 1),
        (OutcomeStatus.ACCEPTED, 2),
        (OutcomeStatus.ACCEPTED, 1),
        (OutcomeStatus.ACCEPTED, 3),
    ]
    assert [e.sequence for d in decided for e in d.events] == [1, 2, 1, 3]


def test_a_stale_expected_version_is_refused_against_the_batch_s_own_writes() -> None:
    decided = decide_all(handler(), [create("rel-a"), revise("rel-a", 1), revise("rel-a", 1)],
                         {}, {}, set())  # fmt: skip
    assert decided[2].outcome.status is OutcomeStatus.CONFLICT and not decided[2].events


def test_a_command_delivered_twice_in_a_batch_is_decided_once_and_replayed() -> None:
    first = create("rel-a")
    decided = decide_all(handler(), [first, revise("rel-a", 1), first], {}, {}, set())
    assert decided[2].repeat and decided[2].outcome == decided[0].outcome
    assert not decided[2].events


def test_a_command_handled_before_is_a_repeat_with_its_stored_outcome() -> None:
    first = create("rel-a")
    [stored] = decide_all(handler(), [first], {}, {}, set())
    history: dict[str, list[Any]] = {"rel-a": [e.data for e in stored.events]}
    [again] = decide_all(handler(), [first], {first.id: stored.outcome}, history, set())
    assert again.repeat and again.outcome == stored.outcome


def _asks_on_create(events: Sequence[Any]) -> bool:
    return any(isinstance(e, DraftCreated) for e in events)


def test_a_command_still_pending_or_gone_pending_in_the_batch_comes_to_nothing_new() -> None:
    asking = Decider("drafting", DRAFTING.initial_state, DRAFTING.evolve, DRAFTING.decide,
                     asks=_asks_on_create)  # fmt: skip
    waiting, first = create("rel-w"), create("rel-a")
    decided = decide_all(handler(asking), [waiting, first, first], {}, {}, {waiting.id})
    assert [d.command.id for d in decided] == [first.id]
    assert decided[0].pending


def test_a_batch_is_cut_after_each_command_that_answers_pending_ones() -> None:
    batch = [create("a"), create("b"), create("c"), create("d")]

    def answers(command: Any) -> bool:
        return bool(command.release_id in ("b", "d"))

    assert runs(batch, answers) == [batch[:2], batch[2:]]
    assert runs(batch[:3], answers) == [batch[:2], batch[2:3]]
    assert runs([], answers) == []
