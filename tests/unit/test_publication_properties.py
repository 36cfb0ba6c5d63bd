"""Publication's invariants over random sequences of approvals, invalidations, content, embargoes,
lifts, cancels and publish attempts, with drafting's and approval's notes arriving late."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, get_args

from hypothesis import event as label
from hypothesis import given, settings
from hypothesis import strategies as st

from events.actor import Actor
from events.content import ReleaseContent, content_hash
from events.publication import (
    NoteApproval,
    NoteApprovalWithdrawn,
    NoteEmbargo,
    NoteEmbargoCancelled,
    NoteEmbargoLifted,
    NoteRevisionContent,
    PublicationCommands,
    PublicationEvents,
    PublishOnLift,
    PublishRelease,
    ReleasePublished,
)
from events.replies import Rejection
from services.publication.decider import PUBLICATION
from services.publication.domain import decide, evolve, initial_state
from services.publication.rules import Publication
from tests.unit.given_when_then import NOW

RELEASE = "uk-japan-2016"
SYSTEM = Actor(id="pressroom-publication", roles=["system"])
PAUL = Actor(id="paul", roles=["press-officer"], organisation="fco")
Kind = Literal[
    "revise", "approve", "deliver-approval", "deliver-content", "forge", "embargo", "cancel",
    "lift", "publish", "publish-on-lift", "replay",
]  # fmt: skip
KINDS: list[Kind] = list(get_args(Kind))


def content_of(revision: int) -> ReleaseContent:
    return ReleaseContent(title="UK and Japan", body=f"Revision {revision}.", organisations=["fco"])


def hash_of(revision: int) -> str:
    return content_hash(content_of(revision))


@dataclass
class World:
    """The other services as they really are, and the notes on their way to publication."""

    now = NOW
    state: Publication = field(default_factory=initial_state)
    log: list[PublicationEvents] = field(default_factory=list)
    revision: int = 1
    approved: int | None = None  # approval's truth, right now
    ever_approved: set[int] = field(default_factory=set)
    embargo: Literal["none", "active", "cancelled", "lifted"] = "none"
    approval_notes: list[PublicationCommands] = field(default_factory=list)  # in topic order
    content_notes: list[PublicationCommands] = field(default_factory=list)
    sent: list[PublicationCommands] = field(default_factory=list)
    heard_approved: int | None = None  # the approval publication was last told of, per the log
    editions: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.content_notes.append(self.content_note(1))

    def content_note(self, revision: int, forged: bool = False) -> NoteRevisionContent:
        text = content_of(revision + 1000 if forged else revision)
        return NoteRevisionContent(
            release_id=RELEASE, actor=SYSTEM, revision=revision, content_hash=hash_of(revision),
            content=text,
        )  # fmt: skip

    def command(self, kind: Kind, pick: int) -> PublicationCommands | None:
        match kind:
            case "revise":
                return self.revise()
            case "approve" if self.approved != self.revision:
                self.approved = self.revision
                self.ever_approved.add(self.revision)
                self.approval_notes.append(NoteApproval(
                    release_id=RELEASE, actor=SYSTEM, revision=self.revision,
                    content_hash=hash_of(self.revision),
                ))  # fmt: skip
            case "deliver-approval" if self.approval_notes:
                return self.approval_notes.pop(0)
            case "deliver-content" if self.content_notes:
                return self.content_notes.pop(pick % len(self.content_notes))  # any order
            case "forge":
                return self.content_note(self.revision, forged=True)
            case "embargo" if self.embargo != "lifted":
                self.embargo = "active"
                return NoteEmbargo(release_id=RELEASE, actor=SYSTEM, lift_at=NOW + timedelta(pick))
            case "cancel" if self.embargo == "active":
                self.embargo = "cancelled"
                return NoteEmbargoCancelled(release_id=RELEASE, actor=SYSTEM)
            case "lift" if self.embargo == "active" and self.approved is not None:
                self.embargo = "lifted"  # embargo lifts only what approval approved
                return NoteEmbargoLifted(
                    release_id=RELEASE, actor=SYSTEM, revision=self.approved,
                    content_hash=hash_of(self.approved), lifted_at=NOW,
                )  # fmt: skip
            case "publish":
                update = [None, "major", "minor"][pick % 3]
                note = "Corrected." if pick % 2 else ""
                return PublishRelease.model_validate({
                    "release_id": RELEASE, "actor": PAUL.model_dump(), "update_type": update,
                    "change_note": note,
                })  # fmt: skip
            case "publish-on-lift":
                return PublishOnLift(release_id=RELEASE, actor=SYSTEM)
            case "replay" if self.sent:  # a note delivered twice
                return self.sent[pick % len(self.sent)]
        return None

    def revise(self) -> PublicationCommands | None:
        self.revision += 1
        self.content_notes.append(self.content_note(self.revision))
        if self.approved is None:
            return None
        previous, self.approved = self.approved, None
        self.approval_notes.append(NoteApprovalWithdrawn(
            release_id=RELEASE, actor=SYSTEM, revision=previous, content_hash=hash_of(previous),
            new_revision=self.revision,
        ))  # fmt: skip
        return None

    def handle(self, command: PublicationCommands) -> list[PublicationEvents] | Rejection:
        # The handler drops a command id it has seen; a second note *from another event* (a
        # redelivered approval, a content note sent twice) reaches decide and must change nothing.
        if isinstance(command, NoteApproval | NoteApprovalWithdrawn | NoteRevisionContent):
            self.sent.append(command)
        self.track(command)
        try:
            events = list(decide(command, self.state, self.now))
        except Rejection as refused:
            return refused
        for event in events:
            self.check(event)
            self.state = evolve(self.state, event)
            self.log.append(event)
        return events

    def track(self, command: PublicationCommands) -> None:
        """What publication has been told about approval, judged by the order of the notes."""
        match command:
            case NoteApproval() if command.revision >= max(self.ever_heard(), default=0):
                self.heard_approved = command.revision
            case NoteApprovalWithdrawn() if self.heard_approved == command.revision:
                self.heard_approved = None

    def ever_heard(self) -> list[int]:
        return [c.new_revision for c in self.sent if isinstance(c, NoteApprovalWithdrawn)]

    def check(self, event: PublicationEvents) -> None:
        if not isinstance(event, ReleasePublished):
            return
        assert self.embargo != "active", "published under an active embargo"
        assert event.content_hash == content_hash(event.content), "content is not what it says"
        assert event.revision in self.ever_approved, "an unapproved revision was published"
        assert event.revision == self.heard_approved, "not the revision approved at that moment"
        assert event.content_hash == hash_of(event.revision), "not the approved content"
        assert event.edition == len(self.editions) + 1, "editions skip or repeat"
        self.editions.append(event.edition)


# Notes and publish attempts most; embargoes, forgeries and new revisions interrupt them. A
# correction cycle revises, approves and delivers everything, so later editions happen too.
COMMON: list[Kind] = ["approve", "deliver-approval", "deliver-content", "publish", "lift"]
CYCLE: list[Kind] = ["revise", "approve", "deliver-approval", "deliver-approval",
                     "deliver-content", "deliver-content", "deliver-content"]  # fmt: skip
steps = st.tuples(st.sampled_from([*KINDS, *COMMON * 4, "cycle", "cycle"]), st.integers(0, 30))


@settings(max_examples=500, deadline=None)
@given(st.lists(steps, min_size=20, max_size=80))
def test_only_approved_content_is_published_never_under_embargo_edition_after_edition(
    script: list[tuple[str, int]],
) -> None:
    world = World()
    moves = [(kind, pick) for step, pick in script for kind in _expand(step)]
    for kind, pick in moves:
        command = world.command(kind, pick)
        if command is None:
            continue
        before = (world.state, len(world.log))
        outcome = world.handle(command)
        label(f"{command.type}: {_outcome_name(outcome)}")
        if isinstance(outcome, Rejection):
            assert (world.state, len(world.log)) == before
    label(f"editions: {min(len(world.editions), 3)}")
    assert world.state == PUBLICATION.fold(world.log)


NOTES = ["content", "approval", "embargo", "lift"]


@settings(max_examples=50, deadline=None)
@given(st.permutations(NOTES))
def test_a_lifted_release_is_published_once_whatever_order_the_notes_arrive_in(
    order: list[str],
) -> None:
    """Each topic is ordered, the three are not: only embargo before lift is guaranteed."""
    if order.index("embargo") > order.index("lift"):
        order.remove("embargo")
        order.insert(0, "embargo")
    world = World(approved=1, ever_approved={1})
    notes = {
        "content": world.content_notes.pop(),
        "approval": NoteApproval(
            release_id=RELEASE, actor=SYSTEM, revision=1, content_hash=hash_of(1)
        ),
        "embargo": NoteEmbargo(release_id=RELEASE, actor=SYSTEM, lift_at=NOW),
        "lift": NoteEmbargoLifted(release_id=RELEASE, actor=SYSTEM, revision=1,
                                  content_hash=hash_of(1), lifted_at=NOW),
    }  # fmt: skip
    for name in order:
        if name in ("embargo", "lift"):
            world.embargo = "active" if name == "embargo" else "lifted"
        world.handle(notes[name])
    published = [event for event in world.log if isinstance(event, ReleasePublished)]
    assert [event.published_by for event in published] == [SYSTEM.id]
    for name in order:  # every note again: nothing more is published
        world.handle(notes[name])
    assert sum(isinstance(event, ReleasePublished) for event in world.log) == 1


def _expand(step: str) -> list[Kind]:
    return CYCLE if step == "cycle" else [kind for kind in KINDS if kind == step]


def _outcome_name(outcome: list[PublicationEvents] | Rejection) -> str:
    if isinstance(outcome, Rejection):
        return type(outcome).__name__
    return "+".join(sorted({event.type for event in outcome})) or "nothing"
