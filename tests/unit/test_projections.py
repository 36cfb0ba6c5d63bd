"""The pure projections: releases, history, and the planning of one consumed batch."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Literal

from events.base import Event, Message
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import DraftCreated, DraftDiscarded, DraftRevised, DraftSubmitted
from events.embargo import EmbargoSet
from events.envelope import Envelope, source_of
from events.kafka import encode
from events.replies import CommandOutcome, OutcomeStatus
from services.projector.batch import Consumed, DeadLetter, plan_batch, route
from services.projector.history import history_entry
from services.projector.releases import ReleaseRow, ReleaseStatus, evolve_release

T0 = datetime(2016, 5, 4, 9, 30, tzinfo=UTC)
RELEASE = "rel-1"
CONTENT = ReleaseContent(
    title="UK and Japan strengthen defence ties",
    summary="Foreign and defence ministers met in Tokyo.",
    body="The UK and Japan today agreed to deepen cooperation.",
    organisations=["foreign-office", "ministry-of-defence"],
)
REVISED = ContentChanges(title="UK and Japan deepen defence ties", body="New body").apply_to(
    CONTENT
)


class ApprovalRequested(Event):
    """An event of a service this projector does not know yet."""

    service: ClassVar[str] = "approval"
    type: Literal["ApprovalRequested"] = "ApprovalRequested"
    version: Literal[1] = 1


def at(sequence: int) -> datetime:
    """Event n of the test stream happened n minutes after T0."""
    return T0 + timedelta(minutes=sequence)


def envelope(event: Message, sequence: int | None, actor: str = "alice") -> Envelope[Message]:
    return Envelope[Message](
        id=f"evt-{sequence}",
        source=source_of(event.service),
        time=at(sequence or 0),
        subject=RELEASE,
        data=event,
        sequence=sequence,
        correlation_id="corr-1",
        causation_id=f"cmd-{sequence}",
        actor=actor,
    )


def created() -> Envelope[Message]:
    event = DraftCreated(
        release_id=RELEASE,
        revision=1,
        content=CONTENT,
        content_hash=content_hash(CONTENT),
        created_by="alice",
        organisation="foreign-office",
        collaborators=["bob"],
    )
    return envelope(event, 1)


def revised() -> Envelope[Message]:
    event = DraftRevised(
        release_id=RELEASE,
        revision=2,
        content=REVISED,
        content_hash=content_hash(REVISED),
        changed_fields=["title", "body"],
        revised_by="alice",
    )
    return envelope(event, 2)


def submitted() -> Envelope[Message]:
    event = DraftSubmitted(
        release_id=RELEASE,
        revision=2,
        content_hash=content_hash(REVISED),
        submitted_by="bob",
        organisation="foreign-office",
        authors=["alice"],
    )
    return envelope(event, 3, actor="bob")


def discarded() -> Envelope[Message]:
    return envelope(DraftDiscarded(release_id=RELEASE, discarded_by="alice", reason="Dup"), 4)


def fold(*envelopes: Envelope[Message]) -> ReleaseRow | None:
    row: ReleaseRow | None = None
    for item in envelopes:
        row = evolve_release(row, item)
    return row


def test_draft_created_opens_a_draft_with_its_content() -> None:
    row = fold(created())

    assert row is not None
    assert (row.status, row.revision, row.title) == (ReleaseStatus.DRAFT, 1, CONTENT.title)
    assert row.lead_organisation == "foreign-office"
    assert row.organisations == ("foreign-office", "ministry-of-defence")
    assert row.collaborators == ("bob",)
    assert row.content == CONTENT.model_dump(mode="json")
    assert row.versions == {"drafting": 1}
    assert row.created_at == row.updated_at == at(1)


def test_revision_replaces_content_hash_and_version() -> None:
    row = fold(created(), revised())

    assert row is not None
    assert (row.title, row.body, row.revision) == (REVISED.title, "New body", 2)
    assert row.content_hash == content_hash(REVISED)
    assert row.versions == {"drafting": 2}
    assert row.last_event_id == "evt-2"
    assert (row.created_at, row.updated_at) == (at(1), at(2))


def test_submission_records_who_submitted_which_revision() -> None:
    row = fold(created(), revised(), submitted())

    assert row is not None
    assert (row.status, row.submitted_by, row.revision) == (ReleaseStatus.SUBMITTED, "bob", 2)
    assert row.submitted_at == at(3)


def test_discard_marks_the_release_discarded() -> None:
    row = fold(created(), revised(), submitted(), discarded())

    assert row is not None
    assert row.status == ReleaseStatus.DISCARDED
    assert row.versions == {"drafting": 4}


def test_replayed_older_events_change_nothing() -> None:
    row = fold(created(), revised(), submitted())

    for replayed in (created(), revised(), submitted()):
        assert evolve_release(row, replayed) is row


def test_events_of_unknown_types_are_ignored() -> None:
    row = fold(created())
    unknown = envelope(ApprovalRequested(release_id=RELEASE), 1)

    assert evolve_release(row, unknown) is row
    assert evolve_release(None, unknown) is None


def test_a_revision_without_a_created_row_is_ignored() -> None:
    assert evolve_release(None, revised()) is None


def test_history_summarises_each_drafting_event() -> None:
    entries = [history_entry(e) for e in (created(), revised(), submitted(), discarded())]

    summaries = [entry.summary for entry in entries if entry is not None]

    assert summaries == [
        'Draft created by alice for foreign-office: "UK and Japan strengthen defence ties"',
        "Revision 2 by alice: changed title, body",
        "Revision 2 submitted for approval by bob",
        "Discarded by alice: Dup",
    ]


def test_history_row_carries_who_when_and_why() -> None:
    entry = history_entry(revised())

    assert entry is not None
    assert (entry.release_id, entry.service, entry.stream_version) == (RELEASE, "drafting", 2)
    assert entry.event_type == "pressroom.drafting.DraftRevised.v2"
    assert (entry.actor, entry.correlation_id, entry.causation_id) == ("alice", "corr-1", "cmd-2")
    assert entry.occurred_at == at(2)
    assert entry.data.data()["changed_fields"] == ["title", "body"]


def test_history_keeps_unknown_events_with_a_generic_summary() -> None:
    entry = history_entry(envelope(ApprovalRequested(release_id=RELEASE), 1))

    assert entry is not None and entry.summary == "ApprovalRequested (approval)"


def test_command_outcomes_have_no_history_and_touch_no_release() -> None:
    outcome = CommandOutcome(
        command_id="cmd-1",
        command_type="pressroom.drafting.CreateDraft.v1",
        release_id=RELEASE,
        status=OutcomeStatus.ACCEPTED,
        stream_version=1,
    )
    reply = envelope(outcome, None)

    assert history_entry(reply) is None
    assert evolve_release(fold(created()), reply) == fold(created())


def consumed(item: Envelope[Message], offset: int, partition: int = 0) -> Consumed:
    record = encode(item)
    headers = tuple(record.headers)
    return Consumed(
        "pressroom.drafting.events", partition, offset, record.key, record.value, headers
    )


def test_a_garbage_record_becomes_a_dead_letter_and_later_records_still_project() -> None:
    garbage = Consumed("pressroom.drafting.events", 0, 1, b"k", b"not json", (("x", b"y"),))
    records = [consumed(created(), 0), garbage, consumed(revised(), 2)]

    plan = plan_batch([(r, route(r)) for r in records], {})

    assert [letter.record.offset for letter in plan.dead_letters] == [1]
    assert "missing CloudEvents headers" in plan.dead_letters[0].reason
    assert plan.releases[RELEASE].revision == 2
    assert [h.stream_version for h in plan.history] == [1, 2]
    assert plan.next_offsets == {("pressroom.drafting.events", 0): 3}


def test_an_event_without_a_sequence_cannot_be_deduplicated_so_it_is_parked() -> None:
    routed = route(consumed(envelope(created().data, None), 0))

    assert isinstance(routed, DeadLetter) and "ce_sequence" in routed.reason


def test_a_batch_replayed_over_its_own_result_changes_no_row() -> None:
    records = [consumed(e, n) for n, e in enumerate((created(), revised(), submitted()))]
    first = plan_batch([(r, route(r)) for r in records], {})

    again = plan_batch([(r, route(r)) for r in records], first.releases)

    assert again.releases == {}
    assert len(again.history) == 3  # the store ignores them: unique (release, service, version)


def test_the_row_is_the_same_whichever_service_s_event_is_applied_first() -> None:
    """The four events topics are ordered each, not among each other: a live projector and a
    fresh fold may interleave them differently, and must still write the same row (found by the
    chaos suite: `projections verify` saw last_event_id and updated_at go back in time)."""
    embargo = EmbargoSet(
        release_id=RELEASE, lift_at=at(60), recipients=[], pre_release_at=None, set_by="carol"
    )
    embargo_set = envelope(embargo, 1).model_copy(update={"id": "evt-embargo", "time": at(5)})

    drafting_first = fold(created(), revised(), embargo_set)
    embargo_first = fold(created(), embargo_set, revised())

    assert drafting_first == embargo_first
    assert drafting_first is not None and drafting_first.updated_at == at(5)
    assert drafting_first.last_event_id == "evt-embargo"


def test_folding_an_event_never_changes_the_row_it_folds_over() -> None:
    """A batch's rows are cached and shared with the plan already written: the fold makes a new
    row for each change and stamps only that one (releases.py::_stamped stamps in place)."""
    embargo = EmbargoSet(
        release_id=RELEASE, lift_at=at(60), recipients=[], pre_release_at=None, set_by="carol"
    )
    events = (envelope(embargo, 1), created(), revised(), submitted(), discarded())
    row: ReleaseRow | None = None
    for item in events:
        before = None if row is None else copy.deepcopy(row.__dict__)
        after = evolve_release(row, item)
        assert after is not None and after is not row
        if row is not None:
            assert row.__dict__ == before, item.type
        row = after


def test_placeholder_rows_share_no_mutable_column() -> None:
    """Placeholders are copied from one row made once: each has its own dicts and lists."""
    embargo = EmbargoSet(
        release_id=RELEASE, lift_at=at(60), recipients=[], pre_release_at=None, set_by="carol"
    )
    first = evolve_release(None, envelope(embargo, 1))
    second = evolve_release(None, envelope(embargo, 1))

    assert first is not None and second is not None and first == second
    for column in ("content", "versions", "approval_stages"):
        assert getattr(first, column) is not getattr(second, column), column
