"""Drafting's invariants over random command sequences, decided and folded like the handler does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, assert_never

from hypothesis import event as label
from hypothesis import given, settings
from hypothesis import strategies as st

from events.actor import Actor
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import (
    CreateDraft,
    DiscardDraft,
    DraftCreated,
    DraftDiscarded,
    DraftingCommands,
    DraftingEvents,
    DraftRevised,
    DraftSubmitted,
    ReviseDraft,
    SubmitDraft,
)
from events.replies import Rejection
from services.drafting.decider import DRAFTING
from services.drafting.domain import Draft, InvalidContent, Status, decide, evolve, initial_state
from tests.unit.given_when_then import NOW

RELEASE = "uk-japan-2016"
ACTORS = [
    Actor(id="alice", roles=["writer"], organisation="acme"),
    Actor(id="bob", roles=["writer"], organisation="globex"),  # collaborator
    Actor(id="erin", roles=["writer"], organisation="globex"),
    Actor(id="carol", roles=["press-officer"], organisation="acme"),
    Actor(id="nobody", roles=["writer"]),
]
CONTENT = ReleaseContent(title="UK and Japan agree", organisations=["acme", "globex"])

Kind = Literal["create", "revise", "submit", "discard"]
# None: leave it out (create, submit, discard) or send the current version (revise).
VersionHint = Literal["current"] | int | None

content_changes = st.fixed_dictionaries(
    {},
    optional={
        "title": st.sampled_from(["UK and Japan agree", "UK and Japan sign", "Trade deal", None]),
        "summary": st.sampled_from(["", "Ministers met.", "Ministers met in Tokyo."]),
        "topics": st.lists(st.sampled_from(["trade", "japan", "uk"]), max_size=2),
        "organisations": st.sampled_from([["acme"], ["acme", "globex"], ["acme", "initech"]]),
    },
)


@dataclass(frozen=True)
class Step:
    kind: Kind
    actor: Actor
    version: VersionHint
    changes: dict[str, Any] = field(default_factory=dict)

    def command(self, state: Draft) -> DraftingCommands:
        expected = state.version if self.version == "current" else self.version
        actor, release = self.actor, RELEASE
        match self.kind:
            case "create":
                return CreateDraft(
                    release_id=release, actor=actor, content=CONTENT, collaborators=["bob"]
                )
            case "revise":
                version = state.version if expected is None else expected
                return ReviseDraft(
                    release_id=release,
                    actor=actor,
                    expected_version=version,
                    changes=ContentChanges(**self.changes),
                )
            case "submit":
                return SubmitDraft(release_id=release, actor=actor, expected_version=expected)
            case "discard":
                return DiscardDraft(release_id=release, actor=actor, expected_version=expected)
            case _:
                assert_never(self.kind)


# Weighted towards commands that succeed, so long histories (resubmissions) are common too.
steps = st.builds(
    Step,
    kind=st.sampled_from(["create", "revise", "revise", "revise", "submit", "submit", "discard"]),
    actor=st.sampled_from([ACTORS[0], ACTORS[0], ACTORS[0], ACTORS[1], *ACTORS[1:]]),
    version=st.sampled_from([None, "current", "current"]) | st.integers(min_value=0, max_value=6),
    changes=content_changes,
)


def _script(starts_with_create: bool, rest: list[Step]) -> list[Step]:
    return [Step("create", ACTORS[0], None), *rest] if starts_with_create else rest


scripts = st.builds(_script, st.booleans(), st.lists(steps, max_size=25))


@dataclass
class Run:
    """The stream of one release, as the handler would keep it: decide, then append and fold."""

    state: Draft = field(default_factory=initial_state)
    log: list[DraftingEvents] = field(default_factory=list)
    revisions: list[int] = field(default_factory=list)

    def handle(self, command: DraftingCommands) -> Sequence[DraftingEvents] | Rejection:
        try:
            events = decide(command, self.state, NOW)
        except Rejection as refused:
            return refused
        for event in events:
            self.check_before_apply(event)
            self.state = evolve(self.state, event)
            self.log.append(event)
            assert self.state.version == len(self.log)
        return events

    def check_before_apply(self, event: DraftingEvents) -> None:
        if self.state.status is Status.DISCARDED:
            raise AssertionError(f"{event.type} after the draft was discarded")
        match event:
            case DraftCreated() | DraftRevised():
                assert event.revision == len(self.revisions) + 1
                assert event.content_hash == content_hash(event.content)
                self.revisions.append(event.revision)
            case DraftSubmitted():
                assert self.state.content is not None
                assert event.content_hash == content_hash(self.state.content)
                assert event.revision == self.revisions[-1] == self.state.revision
            case DraftDiscarded():
                pass


@settings(max_examples=300, deadline=None)
@given(scripts)
def test_random_command_sequences_keep_drafting_invariants(script: list[Step]) -> None:
    run = Run()
    for step in script:
        before = (run.state, len(run.log))
        command = step.command(run.state)
        outcome = run.handle(command)
        label(f"{command.type}: {_outcome_name(outcome)}")
        if isinstance(outcome, Rejection):
            # A refusal appends nothing and leaves the state as it was; deciding again agrees.
            assert (run.state, len(run.log)) == before
            assert type(run.handle(command)) is type(outcome)
        assert run.state.version == len(run.log)
    submissions = sum(isinstance(e, DraftSubmitted) for e in run.log)
    label(f"submissions: {min(submissions, 3)}")
    assert run.state == DRAFTING.fold(run.log)
    assert run.revisions == list(range(1, len(run.revisions) + 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(content_changes, max_size=10))
def test_each_revision_by_the_author_emits_one_event_naming_real_changes_or_nothing(
    revisions: list[dict[str, Any]],
) -> None:
    run = Run()
    run.handle(CreateDraft(release_id=RELEASE, actor=ACTORS[0], content=CONTENT))
    for change in revisions:
        previous = run.state
        command = ReviseDraft(
            release_id=RELEASE,
            actor=ACTORS[0],
            expected_version=previous.version,
            changes=ContentChanges(**change),
        )
        outcome = run.handle(command)
        if isinstance(outcome, Rejection) or not outcome:
            # The author at the current version can only be refused for invalid content.
            assert not isinstance(outcome, Rejection) or isinstance(outcome, InvalidContent)
            assert run.state == previous
            continue
        [event] = outcome
        assert isinstance(event, DraftRevised)
        assert event.changed_fields
        assert previous.content is not None
        for name in event.changed_fields:
            assert getattr(previous.content, name) != getattr(event.content, name)


def _outcome_name(outcome: Sequence[DraftingEvents] | Rejection) -> str:
    return type(outcome).__name__ if isinstance(outcome, Rejection) else f"{len(outcome)} event(s)"
