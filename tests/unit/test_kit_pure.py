"""The kit's pure steps: event envelopes, dead letters, command outcomes, the envelope itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from events.actor import Actor
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import DraftRevised, DraftSubmitted, ReviseDraft
from events.envelope import Envelope, deterministic_id
from events.kafka import KafkaRecord
from events.replies import OutcomeStatus
from services.drafting.domain import DraftNotFound, StaleVersion
from services.kit import dlq
from services.kit.decider import wrap_events
from services.kit.dlq import RecordOrigin, dead_letter, original_of
from services.kit.outcomes import accepted, rejected, reply_envelope, undecodable
from tests.unit.given_when_then import NOW

RELEASE = "uk-japan-2016"
CONTENT = ReleaseContent(title="UK and Japan agree", organisations=["acme"])
REVISE = ReviseDraft(
    release_id=RELEASE,
    actor=Actor(id="alice", roles=["writer"], organisation="acme"),
    expected_version=3,
    changes=ContentChanges(summary="Ministers met."),
)
REVISED = DraftRevised(
    release_id=RELEASE,
    revision=3,
    content=CONTENT,
    content_hash=content_hash(CONTENT),
    changed_fields=["summary"],
    revised_by="alice",
)
SUBMITTED = DraftSubmitted(
    release_id=RELEASE,
    revision=3,
    content_hash=content_hash(CONTENT),
    submitted_by="alice",
    organisation="acme",
    authors=["alice"],
)


def command(command_id: str = "cmd-1") -> Envelope[ReviseDraft]:
    return Envelope[ReviseDraft](
        id=command_id,
        source="/pressroom/gateway",
        time=NOW - timedelta(seconds=2),
        subject=RELEASE,
        data=REVISE,
        correlation_id="corr-7",
        actor="alice",
    )


# --- wrap_events ----------------------------------------------------------------------------


def test_wrapping_the_same_command_again_gives_the_same_event_ids() -> None:
    first = wrap_events(command(), [REVISED, SUBMITTED], 3, NOW)
    again = wrap_events(command(), [REVISED, SUBMITTED], 3, NOW + timedelta(minutes=5))
    assert [e.id for e in first] == [e.id for e in again]
    assert first[0].id == deterministic_id("cmd-1", "4")


def test_event_ids_differ_by_position_in_the_stream_and_by_command() -> None:
    at_three = wrap_events(command(), [REVISED, SUBMITTED], 3, NOW)
    at_four = wrap_events(command(), [REVISED, SUBMITTED], 4, NOW)
    other = wrap_events(command("cmd-2"), [REVISED, SUBMITTED], 3, NOW)
    assert at_three[0].id != at_three[1].id
    assert at_three[0].id != at_four[0].id
    assert at_three[1].id == at_four[0].id  # the same command at the same stream position
    assert {e.id for e in other}.isdisjoint(e.id for e in at_three)


def test_wrapped_events_continue_the_stream_version() -> None:
    envelopes = wrap_events(command(), [REVISED, SUBMITTED], 3, NOW)
    assert [e.sequence for e in envelopes] == [4, 5]
    assert [e.data for e in envelopes] == [REVISED, SUBMITTED]


def test_wrapped_events_are_caused_by_the_command_and_keep_its_correlation() -> None:
    for envelope in wrap_events(command(), [REVISED, SUBMITTED], 3, NOW):
        assert (envelope.causation_id, envelope.correlation_id) == ("cmd-1", "corr-7")
        assert (envelope.subject, envelope.actor) == (RELEASE, "alice")
        assert (envelope.source, envelope.time) == ("/pressroom/drafting", NOW)


def test_no_events_wrap_to_no_envelopes() -> None:
    assert wrap_events(command(), [], 3, NOW) == []


# --- dead letters ---------------------------------------------------------------------------

ORIGINAL = KafkaRecord(
    key=b"uk-japan-2016",
    value=b"\xff\xfe not json \x00",
    headers=[("ce_id", b"cmd-1"), ("x-trace", b"\x00\x01\xff"), ("x-trace", b"second")],
)
ORIGIN = RecordOrigin(topic="pressroom.drafting.commands", partition=2, offset=41)


def test_dead_letter_keeps_key_value_and_original_headers_byte_for_byte() -> None:
    dead = dead_letter(ORIGINAL, ORIGIN, "value is not JSON", NOW)
    assert (dead.key, dead.value) == (ORIGINAL.key, ORIGINAL.value)
    assert dead.headers[: len(ORIGINAL.headers)] == ORIGINAL.headers


def test_dead_letter_appends_why_and_where_it_failed() -> None:
    dead = dead_letter(ORIGINAL, ORIGIN, "value is not JSON", NOW)
    assert dead.headers[len(ORIGINAL.headers) :] == [
        (dlq.REASON, b"value is not JSON"),
        (dlq.SOURCE_TOPIC, b"pressroom.drafting.commands"),
        (dlq.SOURCE_PARTITION, b"2"),
        (dlq.SOURCE_OFFSET, b"41"),
        (dlq.FAILED_AT, NOW.isoformat().encode()),
    ]


def test_dead_letter_keeps_a_tombstone_without_key_as_it_was() -> None:
    tombstone = KafkaRecord(key=None, value=None, headers=[])
    dead = dead_letter(tombstone, ORIGIN, "the record has no value (tombstone)", NOW)
    assert (dead.key, dead.value) == (None, None)
    assert original_of(dead) == tombstone


def test_dead_letter_reason_is_cut_to_four_thousand_characters() -> None:
    dead = dead_letter(ORIGINAL, ORIGIN, "é" * 5000, NOW)
    assert dead.header(dlq.REASON) == "é" * 4000


def test_original_of_a_dead_letter_is_the_original_record() -> None:
    assert original_of(dead_letter(ORIGINAL, ORIGIN, "bad", NOW)) == ORIGINAL


def test_a_record_dead_lettered_twice_still_redrives_as_the_original() -> None:
    twice = dead_letter(dead_letter(ORIGINAL, ORIGIN, "first", NOW), ORIGIN, "second", NOW)
    assert original_of(twice) == ORIGINAL


# --- outcomes -------------------------------------------------------------------------------


def test_accepted_outcome_names_the_command_its_stream_version_and_event_ids() -> None:
    envelopes = wrap_events(command(), [REVISED, SUBMITTED], 3, NOW)
    outcome = accepted(command(), 5, envelopes)
    assert (outcome.command_id, outcome.release_id) == ("cmd-1", RELEASE)
    assert outcome.command_type == "pressroom.drafting.ReviseDraft.v1"
    assert (outcome.status, outcome.stream_version) == (OutcomeStatus.ACCEPTED, 5)
    assert outcome.events == [e.id for e in envelopes]
    assert outcome.problem is None


def test_rejected_outcome_carries_the_rejections_status_and_problem() -> None:
    outcome = rejected(command(), 4, StaleVersion("you sent version 3; the release is at 4"))
    assert (outcome.command_id, outcome.release_id) == ("cmd-1", RELEASE)
    assert (outcome.status, outcome.stream_version, outcome.events) == (
        OutcomeStatus.CONFLICT,
        4,
        [],
    )
    assert outcome.problem is not None
    assert outcome.problem.type == "urn:pressroom:problem:stale-version"
    assert outcome.problem.title == StaleVersion.title
    assert outcome.problem.detail == "you sent version 3; the release is at 4"


def test_rejected_outcome_of_an_unknown_release_is_not_found() -> None:
    assert rejected(command(), 0, DraftNotFound("no draft")).status is OutcomeStatus.NOT_FOUND


def test_undecodable_outcome_says_why_without_a_stream_version() -> None:
    outcome = undecodable("cmd-9", None, None, "value is not JSON")
    assert (outcome.command_id, outcome.command_type, outcome.release_id) == (
        "cmd-9",
        "unknown",
        None,
    )
    assert (outcome.status, outcome.stream_version, outcome.events) == (
        OutcomeStatus.UNDECODABLE,
        None,
        [],
    )
    assert outcome.problem is not None
    assert outcome.problem.type == "urn:pressroom:problem:undecodable-command"
    assert outcome.problem.detail == "value is not JSON"


def test_undecodable_outcome_keeps_the_type_and_subject_it_could_read() -> None:
    outcome = undecodable("cmd-9", "pressroom.drafting.ReviseDraft.v1", RELEASE, "bad schema")
    assert (outcome.command_type, outcome.release_id) == (
        "pressroom.drafting.ReviseDraft.v1",
        RELEASE,
    )


def test_reply_is_keyed_by_the_command_id_and_caused_by_it() -> None:
    outcome = accepted(command(), 3, [])
    reply = reply_envelope(outcome, "drafting", NOW, "corr-7", "alice")
    assert (reply.id, reply.subject, reply.causation_id) == ("cmd-1:outcome", "cmd-1", "cmd-1")
    assert (reply.source, reply.correlation_id, reply.data) == (
        "/pressroom/drafting",
        "corr-7",
        outcome,
    )


# --- the envelope ---------------------------------------------------------------------------


def test_envelope_refuses_a_naive_time() -> None:
    with pytest.raises(ValidationError):
        Envelope[ReviseDraft](
            id="cmd-1",
            source="/pressroom/gateway",
            time=datetime(2025, 3, 14, 9, 30),
            subject=RELEASE,
            data=REVISE,
            correlation_id="cmd-1",
            actor="alice",
        )


def test_envelope_stores_an_aware_time_in_utc() -> None:
    tokyo = datetime(2025, 3, 14, 18, 30, tzinfo=timezone(timedelta(hours=9)))
    envelope = Envelope[ReviseDraft](
        id="cmd-1",
        source="/pressroom/gateway",
        time=tokyo,
        subject=RELEASE,
        data=REVISE,
        correlation_id="cmd-1",
        actor="alice",
    )
    assert envelope.time == tokyo
    assert envelope.time.utcoffset() == timedelta(0)
    assert envelope.time.tzinfo is UTC
