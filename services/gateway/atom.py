"""The public feed as Atom 1.0 (RFC 4287), built with the standard library's ElementTree: pure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from events.text import xml_safe

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:pressroom:feed"
FEED_TITLE = "Pressroom: press releases"
FALLBACK_AUTHOR = "Pressroom press office"
ET.register_namespace("", ATOM_NS)


def atom_feed(
    items: Sequence[Mapping[str, Any]], self_url: str, base_url: str, now: datetime
) -> bytes:
    """The feed document: `now` is its `updated` only when there is no entry to date it by."""
    feed = ET.Element(_tag("feed"))
    _text(feed, "id", FEED_ID)
    _text(feed, "title", FEED_TITLE)
    _text(feed, "updated", _time(max((i["public_updated_at"] for i in items), default=now)))
    ET.SubElement(feed, _tag("link"), rel="self", href=self_url, type="application/atom+xml")
    _author(feed, FALLBACK_AUTHOR)  # a feed-level author covers any entry without one
    for item in items:
        feed.append(atom_entry(item, base_url))
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def atom_entry(item: Mapping[str, Any], base_url: str) -> ET.Element:
    """One release: the id is stable across editions, `updated` moves only on a major one."""
    entry = ET.Element(_tag("entry"))
    _text(entry, "id", f"urn:pressroom:release:{item['release_id']}")
    _text(entry, "title", item["title"])
    _text(entry, "updated", _time(item["public_updated_at"]))
    _text(entry, "published", _time(item["first_published_at"]))
    href = f"{base_url}/v1/public/{item['slug']}"
    ET.SubElement(entry, _tag("link"), rel="alternate", href=href, type="application/json")
    organisations = item.get("organisations") or []
    _author(entry, organisations[0] if organisations else FALLBACK_AUTHOR)
    _text(entry, "summary", _summary(item), type="text")
    # The body is Markdown: sent as text (ElementTree escapes it), never as unchecked HTML.
    _text(entry, "content", item["body"], type="text")
    return entry


def _summary(item: Mapping[str, Any]) -> str:
    if item.get("state") == "withdrawn":
        return f"Withdrawn: {item.get('withdrawal_explanation') or ''} {item['summary']}".strip()
    return str(item["summary"])


def _author(parent: ET.Element, name: str) -> None:
    author = ET.SubElement(parent, _tag("author"))
    _text(author, "name", name)


def _text(parent: ET.Element, name: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name), attributes)
    # ElementTree escapes markup but writes control characters as they are: not well-formed.
    element.text = xml_safe(text)
    return element


def _tag(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _time(moment: datetime) -> str:
    """RFC 3339 with an explicit offset, as Atom requires."""
    return moment.isoformat()
