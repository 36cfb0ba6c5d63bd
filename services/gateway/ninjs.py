"""A public release as an IPTC ninjs 2.2 news item ("News in JSON"), pure: one `public_feed` row
in, one JSON object out. The schema is http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json; the
unit tests validate every shape this module produces against it (tests/data/ninjs/).

ninjs 2.x, as issue 5 asks: 2.2 is that branch's latest release (IPTC keeps 1.x, 2.x and 3.x
side by side; 3.x renamed every property to camelCase and is not backwards compatible)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from events.text import xml_safe

NINJS_VERSION = "2.2"
NINJS_SCHEMA_URI = "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json"
# Not the unregistered `application/ninjs+json`: IANA has no ninjs type, and every JSON client
# reads this one. The document names its standard (`standard`) and the response links the
# schema (`Link: <…>; rel="describedby"`), which is how a client tells it is ninjs.
NINJS_MEDIA_TYPE = "application/json"
# The same id as the release's Atom entry: stable across editions, never a link.
RELEASE_URN_PREFIX = "urn:pressroom:release:"
MARKDOWN = "text/markdown; variant=CommonMark"  # RFC 7763/7764: the body as writers wrote it
PLAIN_TEXT = "text/plain"
PRESS_RELEASE_GENRE = {"name": "Press release", "literal": "press-release"}


def ninjs_item(row: Mapping[str, Any], page_url: str) -> dict[str, Any]:
    """The release at its current edition; a withdrawn one is `canceled`, with the notice.
    `page_url` is its public JSON page, given as a rendition (links never go in `uri`)."""
    item: dict[str, Any] = {
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA_URI},
        "uri": RELEASE_URN_PREFIX + str(row["release_id"]),
        "type": "text",
        "representationtype": "full",
        "profile": "text-only",
        # Each edition is a version: a correction (major or minor) is edition n + 1.
        "version": str(row["edition"]),
        "firstcreated": _time(row["first_published_at"]),
        "versioncreated": _time(_version_created(row)),
        "pubstatus": "canceled" if _withdrawn(row) else "usable",
        "slugline": str(row["slug"]),
        "genres": [dict(PRESS_RELEASE_GENRE)],
        "headlines": [{"role": "main", "contenttype": PLAIN_TEXT, "value": str(row["title"])}],
        "descriptions": _descriptions(row),
        "bodies": _bodies(row),
        "organisations": _organisations(row.get("organisations") or []),
        "renditions": [_page_rendition(page_url)],
        **_subject_metadata(row),
    }
    if _withdrawn(row):
        item["ednote"] = _withdrawal_notice(row)
    return {name: _xml_safe(value) for name, value in item.items() if value not in ([], "")}


def _xml_safe(value: Any) -> Any:
    """Every string as XML can carry it: ninjs is turned into NewsML and the like downstream,
    and text stored before the contract refused control characters may hold one."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list):
        return [_xml_safe(item) for item in value]
    if isinstance(value, dict):
        return {name: _xml_safe(item) for name, item in value.items()}
    return value


def _withdrawn(row: Mapping[str, Any]) -> bool:
    return bool(row["state"] == "withdrawn")


def _page_rendition(page_url: str) -> dict[str, str]:
    return {
        "name": "page",
        "href": page_url,
        "contenttype": "application/json",
        "title": "The public page of this release",
    }


def _version_created(row: Mapping[str, Any]) -> datetime:
    """A withdrawal is a change a receiver must notice, so it dates the item: `version` stays
    the edition (a withdrawal makes none). Otherwise the public timestamp of the last major
    edition: a minor one keeps it, as it keeps it on the public page and in Atom."""
    moment: datetime = row["state_changed_at"] if _withdrawn(row) else row["public_updated_at"]
    return moment


def _descriptions(row: Mapping[str, Any]) -> list[dict[str, str]]:
    """The summary, what this edition changed (a major one says), and a withdrawal's reason."""
    descriptions = []
    if row.get("summary"):
        descriptions.append(_text("summary", str(row["summary"])))
    note = _change_note_of_this_edition(row)
    if note:
        descriptions.append(_text("changenote", note))
    if _withdrawn(row):
        descriptions.append(_text("withdrawal", _withdrawal_notice(row)))
    return descriptions


def _change_note_of_this_edition(row: Mapping[str, Any]) -> str | None:
    """Only a major edition adds a line to the change history; a minor one has no note."""
    history = row.get("change_history") or []
    return next(
        (str(line["note"]) for line in reversed(history) if line["edition"] == row["edition"]),
        None,
    )


def _withdrawal_notice(row: Mapping[str, Any]) -> str:
    withdrawn_at = _time(row["state_changed_at"])
    explanation = row.get("withdrawal_explanation") or ""
    return f"Withdrawn at {withdrawn_at}: {explanation}".strip()


def _bodies(row: Mapping[str, Any]) -> list[dict[str, str]]:
    # Markdown as written, never rendered here: we hold no HTML sanitiser to vouch for it.
    return [{"role": "main", "contenttype": MARKDOWN, "value": row["body"]}] if row["body"] else []


def _organisations(organisations: Sequence[str]) -> list[dict[str, str]]:
    """The issuing organisations, the lead first as in the release. Ours are short ids ("fco"),
    so `literal` carries them and `name` repeats them until the read model holds full names."""
    return [{"name": org, "literal": org, "rel": "issuer"} for org in organisations]


def _subject_metadata(row: Mapping[str, Any]) -> dict[str, Any]:
    """language, people, places and subjects when the row carries the edition's content fields
    (`language`, `people`, `locations`, `topics`), as `public_feed` keeps them."""
    metadata: dict[str, Any] = {}
    if row.get("language"):
        metadata["language"] = str(row["language"])
    metadata["people"] = [{"name": str(name)} for name in row.get("people") or []]
    metadata["places"] = [{"name": str(name)} for name in row.get("locations") or []]
    metadata["subjects"] = [{"name": str(name), "rel": "about"} for name in row.get("topics") or []]
    return metadata


def _text(role: str, value: str) -> dict[str, str]:
    return {"role": role, "contenttype": PLAIN_TEXT, "value": value}


def _time(moment: datetime) -> str:
    """RFC 3339 with an explicit offset (the schema's `date-time`); storage is UTC."""
    return moment.isoformat()
