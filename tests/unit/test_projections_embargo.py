"""The pure projections of embargo: release row, calendar, revisions, copies and history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from events.base import Event, Message
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import DraftCreated, DraftRevised
from events.embargo import (
    ApprovedRevisionNoted,
    EmbargoCancelled,
    EmbargoChanged,
    EmbargoedCopyIssued,
    EmbargoLiftDeferred,
    EmbargoLifted,
    EmbargoLiftedEarly,
    EmbargoSet,
)
from events.envelope import Envelope, source_of
from events.kafka import encode
from services.projector.batch import BatchPlan, Consumed, plan_batch, route
from services.projector.embargo_copies import CopyChanges, note_copies, revision_row
from services.projector.embargoes import calendar_rows
from services.projector.history import summarise
from services.projector.releases import ReleaseRow, evolve_release

T0 = datetime(2026, 1, 8, 9, 0, tzinfo=UTC)
LIFT = datetime(2026, 1, 9, 0, 1, tzinfo=UTC)
RELEASE = "rel-1"
CONTENT = ReleaseContent(title="UK and Japan", body="Defence.", organisations=["fco"])
V2 = ContentChanges(body="Defence and security.").apply_to(CONTENT)
HASH1, HASH2 = content_hash(CONTENT), content_hash(V2)


def env(event: Message, sequence: int, minute: int = 0) -> Envelope[Message]:
    return Envelope[Message](
        id=f"{event.service}-{sequence}",
        source=source_of(event.service),
        time=T0 + timedelta(minutes=minute),
        subject=RELEASE,
        data=event,
        sequence=sequence,
        correlation_id="corr-1",
        actor="carol",
    )


def created() -> Envelope[Message]:
    event = DraftCreated(
        release_id=RELEASE,
        revision=1,
        content=CONTENT,
        content_hash=HASH1,
        created_by="alice",
        organisation="fco",
    )
    return env(event, 1)


def revised() -> Envelope[Message]:
    event = DraftRevised(
        release_id=RELEASE,
        revision=2,
        content=V2,
        content_hash=HASH2,
        changed_fields=["body"],
        revised_by="alice",
    )
    return env(event, 2)


def embargo_set(
    sequence: int = 1, recipients: tuple[str, ...] = ("rita", "sam")
) -> Envelope[Message]:
    event = EmbargoSet(
        release_id=RELEASE,
        lift_at=LIFT,
        recipients=list(recipients),
        pre_release_at=None,
        set_by="carol",
    )
    return env(event, sequence, 1)


def changed(sequence: int, recipients: tuple[str, ...]) -> Envelope[Message]:
    event = EmbargoChanged(
        release_id=RELEASE,
        lift_at=LIFT + timedelta(hours=1),
        recipients=list(recipients),
        pre_release_at=None,
        previous_lift_at=LIFT,
        changed_by="carol",
    )
    return env(event, sequence, 3)


def issued(sequence: int, recipient: str, revision: int = 1) -> Envelope[Message]:
    event = EmbargoedCopyIssued(
        release_id=RELEASE,
        recipient=recipient,
        revision=revision,
        content_hash=HASH1 if revision == 1 else HASH2,
        lift_at=LIFT,
    )
    return env(event, sequence, 2)


def lifted(sequence: int, lateness_ms: int = 120) -> Envelope[Message]:
    lifted_at = LIFT + timedelta(milliseconds=lateness_ms)
    event = EmbargoLifted(
        release_id=RELEASE,
        lift_at=LIFT,
        lifted_at=lifted_at,
        lateness_ms=lateness_ms,
        revision=1,
        content_hash=HASH1,
    )
    return env(event, sequence, 10)


def cancelled(sequence: int) -> Envelope[Message]:
    event = EmbargoCancelled(release_id=RELEASE, lift_at=LIFT, cancelled_by="carol", reason="")
    return env(event, sequence, 4)


def fold(*envelopes: Envelope[Message], row: ReleaseRow | None = None) -> ReleaseRow:
    for envelope in envelopes:
        row = evolve_release(row, envelope)
    assert row is not None
    return row


def consumed(topic: str, item: Envelope[Message], offset: int) -> Consumed:
    record = encode(item)
    return Consumed(topic, 0, offset, record.key, record.value, tuple(record.headers))


def plan(*items: tuple[str, Envelope[Message]]) -> BatchPlan:
    records = [consumed(f"pressroom.{topic}.events", e, n) for n, (topic, e) in enumerate(items)]
    return plan_batch([(r, route(r)) for r in records], {})


def test_an_embargo_set_schedules_the_release_with_a_count_of_recipients() -> None:
    row = fold(created(), embargo_set())

    assert (row.embargo_status, row.embargo_lift_at, row.embargo_recipient_count) == (
        "scheduled",
        LIFT,
        2,
    )
    assert row.status == "draft", "embargo does not change the board status"
    assert row.versions == {"drafting": 1, "embargo": 1}


def test_the_board_row_never_names_recipients() -> None:
    row = fold(created(), embargo_set(), issued(2, "rita"))

    assert "rita" not in repr(row) and "sam" not in repr(row)


def test_events_that_change_no_column_still_advance_the_embargo_version() -> None:
    noted = ApprovedRevisionNoted(release_id=RELEASE, revision=1, content_hash=HASH1)

    row = fold(created(), embargo_set(), env(noted, 2), issued(3, "rita"))

    assert row.versions["embargo"] == 3


def test_an_embargo_event_before_drafting_keeps_its_state_on_the_placeholder() -> None:
    row = fold(embargo_set(), created())

    assert (row.embargo_status, row.title, row.created_by) == ("scheduled", "UK and Japan", "alice")


def test_a_replayed_embargo_event_changes_nothing() -> None:
    row = fold(created(), embargo_set(), cancelled(2))

    assert evolve_release(row, embargo_set()) is row


def test_lift_deferral_cancel_and_early_lift_set_the_status() -> None:
    deferred = EmbargoLiftDeferred(release_id=RELEASE, lift_at=LIFT, deferred_at=LIFT)
    early = EmbargoLiftedEarly(
        release_id=RELEASE,
        lift_at=LIFT,
        reason="leaked",
        lifted_by="dave",
        lifted_at=T0,
        revision=1,
        content_hash=HASH1,
    )
    base = fold(created(), embargo_set())

    assert fold(env(deferred, 2), row=base).embargo_status == "deferred"
    assert fold(cancelled(2), row=base).embargo_status == "cancelled"
    assert fold(env(early, 2), row=base).embargo_status == "lifted"
    late = fold(lifted(2), row=base)
    assert (late.embargo_status, late.embargo_lateness_ms) == ("lifted", 120)
    assert late.embargo_lifted_at == LIFT + timedelta(milliseconds=120)


def test_a_new_embargo_after_a_cancel_is_scheduled_afresh() -> None:
    row = fold(created(), embargo_set(), cancelled(2), embargo_set(3, ()))

    assert (row.embargo_status, row.embargo_recipient_count) == ("scheduled", 0)


def test_the_calendar_lists_embargoed_releases_of_their_lead_organisation() -> None:
    assert calendar_rows(fold(created())) == []
    assert calendar_rows(fold(embargo_set())) == [], "no organisation known yet"

    (entry,) = calendar_rows(fold(created(), embargo_set()))

    assert (entry.lift_at, entry.lead_organisation, entry.status, entry.has_recipients) == (
        LIFT,
        "fco",
        "scheduled",
        True,
    )


def test_every_drafting_revision_is_kept_with_its_content() -> None:
    first, second = revision_row(created()), revision_row(revised())

    assert first is not None and second is not None
    assert (first.revision, first.content_hash, first.content.body) == (1, HASH1, "Defence.")
    assert (second.revision, second.content_hash) == (2, HASH2)
    assert revision_row(embargo_set()) is None


def test_copies_issued_are_kept_per_recipient_the_latest_winning() -> None:
    changes = note_copies(note_copies(None, issued(2, "rita")), issued(3, "rita", revision=2))

    assert changes is not None and changes.issued["rita"].revision == 2


def test_a_change_drops_the_copies_of_recipients_taken_off_the_list() -> None:
    changes = note_copies(note_copies(None, issued(2, "rita")), changed(3, recipients=("sam",)))

    assert changes == CopyChanges(keep_only=frozenset({"sam"}))


def test_a_new_or_cancelled_embargo_voids_every_copy() -> None:
    assert note_copies(note_copies(None, issued(2, "rita")), cancelled(3)) == CopyChanges(
        clear=True
    )
    assert note_copies(None, embargo_set()) == CopyChanges(clear=True)


def test_a_batch_plans_revisions_copies_and_embargo_rows() -> None:
    batch = plan(
        ("drafting", created()),
        ("embargo", embargo_set()),
        ("embargo", issued(2, "rita")),
        ("drafting", revised()),
    )

    assert [r.revision for r in batch.revisions] == [1, 2]
    assert list(batch.copies[RELEASE].issued) == ["rita"]
    assert batch.releases[RELEASE].embargo_status == "scheduled"


def test_a_replayed_copy_is_not_planned_again() -> None:
    first = plan(("drafting", created()), ("embargo", embargo_set()), ("embargo", issued(2, "r")))
    again = plan_batch(
        [(r, route(r)) for r in [consumed("pressroom.embargo.events", issued(2, "r"), 9)]],
        first.releases,
    )

    assert again.copies == {}


def event_of(envelope: Envelope[Message]) -> Event:
    """The envelope's data as the Event it is (every helper here builds an Event)."""
    return cast(Event, envelope.data)


def test_history_says_when_and_how_in_london_time() -> None:
    set_line = summarise(event_of(embargo_set()))
    lift_line = summarise(event_of(lifted(5)))

    assert set_line == "Embargo set until 2026-01-09 00:01 GMT by carol, 2 recipients"
    assert lift_line == "Lifted at 2026-01-09 00:01 GMT (late by 120 ms), revision 1"
    assert summarise(event_of(issued(2, "rita"))).startswith("Embargoed copy of revision 1 issued")
    assert "cancelled by carol" in summarise(event_of(cancelled(3)))
    assert "to 2026-01-09 01:01 GMT" in summarise(event_of(changed(2, ("rita",))))
