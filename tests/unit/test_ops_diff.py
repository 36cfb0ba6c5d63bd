"""Readable diffs of revisions, and the history and state an operator reads from the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events.base import Message
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import DraftCreated, DraftRevised, DraftSubmitted
from events.envelope import Envelope
from operator_tools.diff import diff_content
from operator_tools.errors import OpsError
from operator_tools.history import history_items, history_json
from operator_tools.state import state_at

T0 = datetime(2016, 7, 21, 9, 0, tzinfo=UTC)
FIRST = ReleaseContent(title="UK and Japan", body="Line one.\nLine two.", organisations=["fco"])
SECOND = ContentChanges(title="UK and Japan talks", people=["Philip Hammond"]).apply_to(FIRST)


def _envelope(event: Message, sequence: int, minutes: int) -> Envelope[Message]:
    return Envelope[Message](
        id=f"e{sequence}",
        source="/pressroom/drafting",
        time=T0 + timedelta(minutes=minutes),
        subject="r1",
        data=event,
        sequence=sequence,
        correlation_id="c",
        actor="alice",
    )


def lifecycle() -> list[Envelope[Message]]:
    ids: dict[str, Any] = {"release_id": "r1"}
    return [
        _envelope(
            DraftCreated(
                **ids,
                revision=1,
                content=FIRST,
                content_hash=content_hash(FIRST),
                created_by="alice",
                organisation="fco",
            ),
            1,
            0,
        ),
        _envelope(
            DraftRevised(
                **ids,
                revision=2,
                content=SECOND,
                content_hash=content_hash(SECOND),
                changed_fields=["title", "people"],
                revised_by="alice",
            ),
            2,
            10,
        ),
        _envelope(
            DraftSubmitted(
                **ids,
                revision=2,
                content_hash=content_hash(SECOND),
                submitted_by="bob",
                organisation="fco",
                authors=["alice"],
            ),
            3,
            20,
        ),
    ]


def test_a_revision_shows_only_the_fields_it_changed() -> None:
    changes = diff_content(FIRST.model_dump(mode="json"), SECOND.model_dump(mode="json"))
    assert {c.field: c.lines for c in changes} == {
        "title": ("- UK and Japan", "+ UK and Japan talks"),
        "people": ("+ Philip Hammond",),
    }


def test_long_text_changes_read_as_a_unified_diff() -> None:
    before = {"body": "one\ntwo\nthree"}
    (change,) = diff_content(before, {"body": "one\n2\nthree"})
    assert "- two" in change.lines and "+ 2" in change.lines
    assert any(line.startswith("@@") for line in change.lines)


def test_the_first_revision_lists_what_each_field_starts_as() -> None:
    changes = diff_content(None, FIRST.model_dump(mode="json"))
    assert [c.field for c in changes] == ["title", "body", "organisations", "language"]


def test_history_has_actor_type_and_a_diff_per_revision_in_order() -> None:
    items = history_items(lifecycle())
    assert [i.type for i in items] == [
        "pressroom.drafting.DraftCreated.v1",
        "pressroom.drafting.DraftRevised.v2",
        "pressroom.drafting.DraftSubmitted.v2",
    ]
    assert [c.field for c in items[1].changes] == ["title", "people"]
    assert items[2].changes == () and items[2].summary.startswith("Revision 2 submitted")
    document = history_json(items)
    assert document[1]["changes"][0]["before"] == "UK and Japan"
    assert document[0]["time"] == T0.isoformat()


def test_state_before_submission_is_the_draft_and_after_it_the_submitted_revision() -> None:
    (before,) = state_at("r1", lifecycle(), T0 + timedelta(minutes=15))
    assert (before.state.status, before.state.revision, before.events) == ("draft", 2, 2)
    (after,) = state_at("r1", lifecycle(), T0 + timedelta(minutes=20))
    assert (after.state.status, after.state.revision, after.events) == ("submitted", 2, 3)
    assert after.state.content == SECOND


def test_state_of_an_unknown_release_or_before_it_existed_is_refused() -> None:
    with pytest.raises(OpsError, match="no events"):
        state_at("nope", [], T0)
    with pytest.raises(OpsError, match="did not exist yet"):
        state_at("r1", lifecycle(), T0 - timedelta(seconds=1))
