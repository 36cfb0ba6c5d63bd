"""Bad input refused at the contract (issue 12, hole 7): characters XML 1.0 cannot carry, times
out of range; and the renderers that must stay well-formed whatever text they are handed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from events.actor import Actor
from events.content import ContentChanges, Quote, ReleaseContent
from events.drafting import DiscardDraft
from events.embargo import LiftEmbargoEarly, SetEmbargo
from events.text import NOT_XML_CHAR, xml_text
from events.times import isoformat_in_zone, show
from services.gateway.atom import atom_feed
from services.gateway.ninjs import ninjs_item

CAROL = Actor(id="carol", roles=["press-officer"], organisation="fco")
CONTROL_CHARACTERS = ["\x00", "\x01", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff"]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS)
def test_titles_and_multi_line_text_refuse_what_xml_cannot_carry(char: str) -> None:
    for fields in (
        {"title": f"UK{char}Japan"},
        {"title": "t", "summary": f"a{char}b"},
        {"title": "t", "body": f"Defence{char}."},
        {"title": "t", "notes_to_editors": f"a{char}b"},
        {"title": "t", "people": [f"Ann{char}Lee"]},
    ):
        with pytest.raises(ValidationError, match=f"U\\+{ord(char):04X}"):
            ReleaseContent.model_validate({**fields, "organisations": ["fco"]})
    with pytest.raises(ValidationError):
        ContentChanges(body=f"x{char}")
    with pytest.raises(ValidationError):
        LiftEmbargoEarly(release_id="r1", actor=CAROL, reason=f"now{char}!")


def test_multi_line_text_keeps_tabs_and_line_breaks() -> None:
    content = ReleaseContent(
        title="UK and Japan", body="a\tb\nc\r\nd", summary="one\ntwo", organisations=["fco"]
    )
    assert (content.body, content.summary) == ("a\tb\nc\r\nd", "one\ntwo")
    assert Quote(text="line\nline", attribution="PM").text == "line\nline"
    assert DiscardDraft(release_id="r1", actor=CAROL, reason="why\nso").reason == "why\nso"


@pytest.mark.parametrize("field", ["title", "people"])
def test_single_line_fields_refuse_line_breaks(field: str) -> None:
    value: Any = "UK\nJapan" if field == "title" else ["Ann\tLee"]
    fields = {"title": "t", field: value, "organisations": ["fco"]}
    with pytest.raises(ValidationError, match="single line"):
        ReleaseContent.model_validate(fields)


@pytest.mark.parametrize(
    "lift_at",
    ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59+00:00"],
)
def test_lift_times_out_of_range_are_refused_not_crashes(lift_at: str) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        SetEmbargo(release_id="r1", actor=CAROL, lift_at=lift_at)
    with pytest.raises(ValidationError, match="out of range"):
        SetEmbargo(
            release_id="r1",
            actor=CAROL,
            lift_at=datetime(2030, 1, 1, tzinfo=UTC),
            pre_release_at=lift_at,
        )


def test_lift_times_in_range_are_kept_in_utc() -> None:
    command = SetEmbargo(
        release_id="r1",
        actor=CAROL,
        lift_at="2999-12-31T23:59:59+00:00",
        pre_release_at="2000-01-01T09:00:00+09:00",
    )
    assert command.lift_at == datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert command.pre_release_at == datetime(2000, 1, 1, tzinfo=UTC)


def test_a_stored_time_at_the_end_of_datetime_is_shown_not_crashed_on() -> None:
    # Stored before the contract bounded lift times: Tokyo's clocks would show year 10000.
    end = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert isoformat_in_zone(end, "Asia/Tokyo") == "9999-12-31T23:59:59+00:00"
    assert show(end, "Asia/Tokyo") == "9999-12-31 23:59 UTC"


def public_row(text: str) -> dict[str, Any]:
    moment = datetime(2026, 1, 9, tzinfo=UTC)
    return {
        "release_id": "r1",
        "slug": "uk-and-japan",
        "title": f"UK{text}Japan",
        "summary": f"Summary{text}",
        "body": f"Body{text}",
        "organisations": ["fco"],
        "state": "published",
        "edition": 1,
        "first_published_at": moment,
        "public_updated_at": moment,
        "state_changed_at": moment,
        "change_history": [],
        "people": [f"Ann{text}"],
    }


def test_the_atom_feed_stays_well_formed_whatever_text_was_stored() -> None:
    row = public_row("\x01\x0b\x1f")
    document = atom_feed([row], "http://x/v1/feed.atom", "http://x", datetime.now(UTC))
    feed = ET.fromstring(document)  # raises on a document that is not well-formed
    title = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title")
    assert title is not None and title.text == "UK\ufffd\ufffd\ufffdJapan"


def test_ninjs_carries_only_text_xml_can_carry() -> None:
    item = ninjs_item(public_row("\x01"), "http://x/v1/public/uk-and-japan")
    assert item["headlines"][0]["value"] == "UK\ufffdJapan"
    assert item["bodies"][0]["value"] == "Body\ufffd"
    assert item["people"] == [{"name": "Ann\ufffd"}]


# Every character class the rule draws a line through, and its neighbours on both sides.
EDGES = (
    "\x00\x08\t\n\x0b\x0c\r\x0e\x1f \x7f\x80\x9f\xa0"
    "\ud7ff\ud800\udbff\udc00\udfff\ue000\ufffd\ufffe\uffff\U00010000\U0010ffff"
)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(EDGES) | st.characters(codec=None), max_size=40))
def test_xml_text_refuses_exactly_the_texts_with_a_character_xml_cannot_carry(text: str) -> None:
    """The whole-string match (the fast path) agrees with searching for a bad character,
    and the refusal names the first one."""
    first_bad = NOT_XML_CHAR.search(text)
    if first_bad is None:
        assert xml_text(text) == text
    else:
        with pytest.raises(
            ValueError, match=f"U\\+{ord(first_bad.group()):04X} at position {first_bad.start()},"
        ):
            xml_text(text)
