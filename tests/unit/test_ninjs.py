"""A public release as IPTC ninjs 2.2: every shape the mapping produces is valid against the
IPTC's own JSON Schema (tests/data/ninjs/, with its source and licence), and `<slug>.ninjs`
answers like the public page for every state, over fakes."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]

from services.gateway.ninjs import MARKDOWN, NINJS_SCHEMA_URI, ninjs_item
from services.kit.settings import Settings
from tests.fakes.gateway import gateway_client
from tests.fakes.read_model import FakeReadModel

SCHEMA_FILE = Path(__file__).parents[1] / "data" / "ninjs" / "ninjs-schema_2.2.json"
AT = datetime(2026, 1, 9, 0, 1, tzinfo=UTC)
PAGE = "http://gateway/v1/public/uk-and-japan-agree"
# jsonschema checks `date-time` and `uri` only with optional packages we do not install, so the
# two formats ninjs uses are checked here: RFC 3339 with an offset, and an absolute URI.
FORMATS = FormatChecker(formats=())
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_RFC3339.match(value)) and datetime.fromisoformat(value).utcoffset() is not None


def _is_absolute_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_SCHEME.match(urlsplit(value).scheme)) and not re.search(r"\s", value)


FORMATS.checks("date-time")(_is_rfc3339)
FORMATS.checks("uri")(_is_absolute_uri)


@cache
def ninjs_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FORMATS)


def ninjs_errors(document: object) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in ninjs_validator().iter_errors(document)
    ]


def assert_valid_ninjs(document: object) -> None:
    """Valid IPTC ninjs 2.2, formats included (the e2e test uses it too)."""
    errors = ninjs_errors(document)
    assert not errors, "not valid ninjs 2.2:\n" + "\n".join(errors)


def row(state: str = "published", **extra: Any) -> dict[str, Any]:
    """A public_feed row as the read model returns it (change history as stored JSON)."""
    return {
        "release_id": "7f5c055c-4d6e-5597-9f9b-525ccf47a58a", "slug": "uk-and-japan-agree",
        "edition": 1, "title": "UK and Japan agree <defence> & security ties",
        "summary": "Ministers met in Tokyo.", "body": "# Talks\n\nThe UK and Japan today …",
        "organisations": ["fco", "mod"], "first_published_at": AT, "public_updated_at": AT,
        "change_history": [{"edition": 1, "note": "First published.",
                            "public_timestamp": AT.isoformat()}],
        "state": state, "withdrawal_explanation": None, "redirect_url": None,
        "state_changed_at": AT, **extra,
    }  # fmt: skip


def corrected(edition: int, major: bool) -> dict[str, Any]:
    """Edition 2 is a major correction at AT + 1 h; a minor edition moves no timestamp."""
    later = AT + timedelta(hours=1)
    history = row()["change_history"] + [
        {"edition": 2, "note": "Corrected the date of the talks.", "public_timestamp": str(later)}
    ]
    updated = later if major or edition > 2 else AT
    return row(edition=edition, change_history=history, public_updated_at=updated)


def descriptions(item: dict[str, Any]) -> dict[str, str]:
    return {d["role"]: d["value"] for d in item.get("descriptions", [])}


def test_the_schema_copy_is_the_iptc_ninjs_2_2_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$id"].startswith(NINJS_SCHEMA_URI)
    assert schema["title"] == "IPTC ninjs - News in JSON - version 2.2"


def test_the_validator_refuses_what_ninjs_does_not_allow() -> None:
    """The check has teeth: no uri, an unknown pubstatus, a naive time, an unknown property."""
    item = ninjs_item(row(), PAGE)
    assert ninjs_errors({k: v for k, v in item.items() if k != "uri"})
    assert ninjs_errors(item | {"pubstatus": "withdrawn"})
    assert ninjs_errors(item | {"versioncreated": "2026-01-09T00:01:00"})
    assert ninjs_errors(item | {"uri": "not a uri"})
    assert ninjs_errors(item | {"edition": 1})


def test_a_published_release_is_a_usable_text_item() -> None:
    item = ninjs_item(row(), PAGE)
    assert_valid_ninjs(item)
    assert item["standard"] == {"name": "ninjs", "version": "2.2", "schema": NINJS_SCHEMA_URI}
    assert item["uri"] == "urn:pressroom:release:7f5c055c-4d6e-5597-9f9b-525ccf47a58a"
    assert (item["type"], item["pubstatus"], item["version"]) == ("text", "usable", "1")
    assert item["firstcreated"] == item["versioncreated"] == "2026-01-09T00:01:00+00:00"
    assert item["headlines"] == [
        {"role": "main", "contenttype": "text/plain", "value": row()["title"]}
    ]
    assert item["bodies"] == [{"role": "main", "contenttype": MARKDOWN, "value": row()["body"]}]
    assert descriptions(item) == {
        "summary": "Ministers met in Tokyo.", "changenote": "First published."
    }  # fmt: skip
    assert [(o["literal"], o["rel"]) for o in item["organisations"]] == [
        ("fco", "issuer"), ("mod", "issuer")
    ]  # fmt: skip
    assert item["slugline"] == "uk-and-japan-agree"
    assert item["renditions"][0]["href"] == PAGE
    assert "ednote" not in item and "language" not in item


def test_a_withdrawn_release_is_canceled_with_its_notice_and_dated_by_the_withdrawal() -> None:
    withdrawn_at = AT + timedelta(days=2)
    item = ninjs_item(
        row("withdrawn", withdrawal_explanation="Superseded.", state_changed_at=withdrawn_at), PAGE
    )
    assert_valid_ninjs(item)
    assert item["pubstatus"] == "canceled" and item["version"] == "1"
    assert item["versioncreated"] == withdrawn_at.isoformat()
    assert item["firstcreated"] == AT.isoformat()
    notice = f"Withdrawn at {withdrawn_at.isoformat()}: Superseded."
    assert item["ednote"] == notice and descriptions(item)["withdrawal"] == notice
    assert item["bodies"] and item["headlines"]  # still readable, like the public page


def test_a_major_correction_is_a_new_version_with_its_change_note() -> None:
    item = ninjs_item(corrected(2, major=True), PAGE)
    assert_valid_ninjs(item)
    assert item["version"] == "2"
    assert item["versioncreated"] == (AT + timedelta(hours=1)).isoformat()
    assert item["firstcreated"] == AT.isoformat()
    assert descriptions(item)["changenote"] == "Corrected the date of the talks."


def test_a_minor_correction_is_a_new_version_that_moves_no_timestamp_and_says_nothing() -> None:
    major, minor = ninjs_item(corrected(2, major=True), PAGE), ninjs_item(corrected(3, False), PAGE)
    assert_valid_ninjs(minor)
    assert minor["version"] == "3" and minor["versioncreated"] == major["versioncreated"]
    assert "changenote" not in descriptions(minor)


def test_subject_metadata_is_mapped_when_the_row_carries_it() -> None:
    extra: dict[str, Any] = {
        "language": "en-GB", "people": ["Philip Hammond"], "locations": ["Tokyo"],
        "topics": ["Defence and armed forces"],
    }  # fmt: skip
    item = ninjs_item(row(**extra), PAGE)
    assert_valid_ninjs(item)
    assert item["language"] == "en-GB"
    assert item["people"] == [{"name": "Philip Hammond"}]
    assert item["places"] == [{"name": "Tokyo"}]
    assert item["subjects"] == [{"name": "Defence and armed forces", "rel": "about"}]


def test_empty_text_leaves_its_property_out_rather_than_sending_it_empty() -> None:
    item = ninjs_item(row(summary="", body="", change_history=[]), PAGE)
    assert_valid_ninjs(item)
    assert "bodies" not in item and "descriptions" not in item


_TEXT = st.text(st.characters(codec="utf-8"), max_size=200)


@settings(max_examples=100, deadline=None)
@given(
    title=_TEXT.filter(str.strip),
    summary=_TEXT,
    body=_TEXT,
    organisations=st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), min_size=1),
    edition=st.integers(min_value=1, max_value=10_000),
    state=st.sampled_from(["published", "withdrawn"]),
    explanation=_TEXT.filter(str.strip),
    hours=st.integers(min_value=0, max_value=100_000),
)
def test_every_public_row_maps_to_valid_ninjs(
    title: str, summary: str, body: str, organisations: list[str], edition: int, state: str,
    explanation: str, hours: int,
) -> None:  # fmt: skip
    later = AT + timedelta(hours=hours)
    source = row(
        state, title=title, summary=summary, body=body, organisations=organisations,
        edition=edition, public_updated_at=later, state_changed_at=later,
        withdrawal_explanation=explanation,
    )  # fmt: skip
    assert_valid_ninjs(ninjs_item(source, PAGE))


# --- the route, over fakes -------------------------------------------------------------------

ROWS = [
    row(),
    row("withdrawn", release_id="r2", slug="withdrawn-one", withdrawal_explanation="Superseded."),
    row("gone", release_id="r3", slug="gone-one"),
    row("redirect", release_id="r4", slug="moved-one", redirect_url="https://www.gov.uk/x"),
    row("vanish", release_id="r5", slug="vanished-one"),
]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # No bus: the public side sends no command.
    async with gateway_client(
        FakeReadModel(public=list(ROWS)),
        settings=Settings(demo_tokens=True, public_base_url="http://gateway"),
    ) as http:
        yield http


async def test_the_ninjs_route_serves_a_published_release_without_a_token(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/v1/public/uk-and-japan-agree.ninjs")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["link"] == f'<{NINJS_SCHEMA_URI}>; rel="describedby"'
    item = answer.json()
    assert_valid_ninjs(item)
    assert item["renditions"][0]["href"] == "http://gateway/v1/public/uk-and-japan-agree"


async def test_the_page_route_does_not_swallow_ninjs_nor_ninjs_the_page(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/v1/public/uk-and-japan-agree")).json()
    assert page["slug"] == "uk-and-japan-agree" and "standard" not in page
    item = (await client.get("/v1/public/uk-and-japan-agree.ninjs")).json()
    assert item["standard"]["name"] == "ninjs"


async def test_the_ninjs_route_answers_like_the_page_for_every_state(
    client: httpx.AsyncClient,
) -> None:
    withdrawn = await client.get("/v1/public/withdrawn-one.ninjs")
    assert withdrawn.status_code == 200 and withdrawn.json()["pubstatus"] == "canceled"
    moved = await client.get("/v1/public/moved-one.ninjs", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (301, "https://www.gov.uk/x")
    for slug, status in (("gone-one", 410), ("vanished-one", 404), ("never-published", 404)):
        answer = await client.get(f"/v1/public/{slug}.ninjs")
        assert answer.status_code == status, slug
        assert answer.headers["content-type"].startswith("application/problem+json")
        page = await client.get(f"/v1/public/{slug}")
        assert page.status_code == status and page.json()["type"] == answer.json()["type"]
