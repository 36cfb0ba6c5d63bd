"""The public read side over fakes, no token: the JSON feed, the Atom feed (parsed back with
ElementTree) and a release by slug in each of its states."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.gateway.atom import ATOM_NS, atom_feed
from services.kit.settings import Settings
from tests.fakes.gateway import gateway_client
from tests.fakes.read_model import FakeReadModel

AT = datetime(2026, 1, 9, 0, 1, tzinfo=UTC)
A = f"{{{ATOM_NS}}}"


def row(release_id: str, state: str = "published", hours: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "release_id": release_id, "slug": f"slug-{release_id}", "edition": 1,
        "title": f"Title <{release_id}> & more", "summary": "Defence.", "body": "# Talks",
        "organisations": ["fco"], "first_published_at": AT,
        "public_updated_at": AT + timedelta(hours=hours), "change_history": [], "state": state,
        "withdrawal_explanation": None, "redirect_url": None, "state_changed_at": AT, **extra,
    }  # fmt: skip


ROWS = [
    row("r3", hours=3),
    row("r2", "withdrawn", hours=2, withdrawal_explanation="Superseded."),
    row("r1", hours=1),
    row("gone1", "gone"),
    row("moved1", "redirect", redirect_url="https://www.gov.uk/elsewhere"),
    row("vanished1", "vanish"),
]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # No bus: the public side sends no command.
    async with gateway_client(
        FakeReadModel(public=list(ROWS)),
        settings=Settings(demo_tokens=True, public_base_url="http://gateway"),
    ) as http:
        yield http


async def test_the_feed_needs_no_token_and_pages_newest_first(client: httpx.AsyncClient) -> None:
    first = (await client.get("/v1/feed", params={"limit": 2})).json()
    assert [item["release_id"] for item in first["items"]] == ["r3", "r2"]
    assert first["items"][1]["withdrawal"]["explanation"] == "Superseded."
    second = (await client.get(first["next"])).json()
    assert [item["release_id"] for item in second["items"]] == ["r1"] and second["next"] is None


async def test_a_public_page_answers_for_each_state(client: httpx.AsyncClient) -> None:
    published = await client.get("/v1/public/slug-r1")
    assert published.status_code == 200 and published.json()["body"] == "# Talks"
    withdrawn = await client.get("/v1/public/slug-r2")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawal"]["withdrawn_at"]
    assert (await client.get("/v1/public/slug-gone1")).status_code == 410
    moved = await client.get("/v1/public/slug-moved1", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == "https://www.gov.uk/elsewhere"
    for unknown in ("slug-vanished1", "never-published"):
        answer = await client.get(f"/v1/public/{unknown}")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_release_s_permanent_address_redirects_to_the_slug_it_holds() -> None:
    reads = FakeReadModel(public=[row("r9", slug_if_taken="slug-r9-r9")])
    async with gateway_client(reads, settings=Settings(demo_tokens=True)) as client:
        for suffix in ("", ".ninjs"):
            response = await client.get(f"/v1/public/slug-r9-r9{suffix}")
            assert response.status_code == 301
            assert response.headers["location"] == f"/v1/public/slug-r9{suffix}"
        assert (await client.get("/v1/public/slug-r9")).status_code == 200


async def test_the_atom_feed_is_served_as_atom(client: httpx.AsyncClient) -> None:
    answer = await client.get("/v1/feed.atom")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)
    assert [e.findtext(f"{A}id") for e in feed.findall(f"{A}entry")] == [
        "urn:pressroom:release:r3", "urn:pressroom:release:r2", "urn:pressroom:release:r1"
    ]  # fmt: skip


def test_atom_has_every_element_rfc_4287_requires() -> None:
    document = atom_feed(ROWS[:3], "http://gw/v1/feed.atom", "http://gw", AT)
    feed = ET.fromstring(document)
    assert feed.tag == f"{A}feed"
    assert feed.findtext(f"{A}id") == "urn:pressroom:feed" and feed.findtext(f"{A}title")
    assert datetime.fromisoformat(feed.findtext(f"{A}updated") or "") == AT + timedelta(hours=3)
    [link] = feed.findall(f"{A}link")
    assert (link.get("rel"), link.get("href")) == ("self", "http://gw/v1/feed.atom")
    for entry, source in zip(feed.findall(f"{A}entry"), ROWS[:3], strict=True):
        assert entry.findtext(f"{A}id") == f"urn:pressroom:release:{source['release_id']}"
        assert entry.findtext(f"{A}title") == source["title"]  # escaped on the way, intact back
        updated = datetime.fromisoformat(entry.findtext(f"{A}updated") or "")
        assert updated == source["public_updated_at"]
        assert datetime.fromisoformat(entry.findtext(f"{A}published") or "") == AT
        assert entry.findtext(f"{A}author/{A}name") == "fco"
        content = entry.find(f"{A}content")
        assert content is not None and content.get("type") == "text"
        assert content.text == "# Talks" and entry.findtext(f"{A}summary")
        assert entry.find(f"{A}link[@rel='alternate']") is not None


def test_an_empty_feed_is_still_valid_atom_dated_now() -> None:
    feed = ET.fromstring(atom_feed([], "http://gw/v1/feed.atom", "http://gw", AT))
    assert feed.findall(f"{A}entry") == [] and feed.findtext(f"{A}updated") == AT.isoformat()
    assert feed.findtext(f"{A}author/{A}name")


@pytest.mark.parametrize(
    "path", ["/v1/feed", "/v1/feed.atom", "/v1/public/slug-r1", "/v1/public/slug-r1.ninjs"]
)
async def test_a_poll_that_holds_the_current_answer_gets_304(
    client: httpx.AsyncClient, path: str
) -> None:
    """Feed readers and newswires poll: the ETag they hold brings 304 and no body; caches may
    keep a copy but must ask each time (an unpublished release is never served from one)."""
    first = await client.get(path)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
    tag = first.headers["etag"]
    again = await client.get(path)
    assert again.headers["etag"] == tag  # the same answer, the same tag
    for held in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        polled = await client.get(path, headers={"If-None-Match": held})
        assert polled.status_code == 304 and polled.content == b"", held
        assert polled.headers["etag"] == tag
    stale = await client.get(path, headers={"If-None-Match": '"older"'})
    assert stale.status_code == 200 and stale.content == first.content


async def test_a_changed_answer_has_another_tag() -> None:
    reads = FakeReadModel(public=[row("r1")])
    async with gateway_client(reads, settings=Settings(demo_tokens=True)) as client:
        before = (await client.get("/v1/feed.atom")).headers["etag"]
        reads.public.append(row("r4", hours=4))  # a new release published
        after = await client.get("/v1/feed.atom", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["etag"] != before


async def test_redirects_and_problems_carry_no_tag(client: httpx.AsyncClient) -> None:
    moved = await client.get("/v1/public/slug-moved1", follow_redirects=False)
    gone = await client.get("/v1/public/slug-gone1")
    assert (moved.status_code, gone.status_code) == (301, 410)
    assert "etag" not in moved.headers and "etag" not in gone.headers


@pytest.mark.parametrize(
    "path", ["/v1/feed.atom", "/v1/public/slug-r1", "/v1/public/slug-r1.ninjs"]
)
async def test_head_answers_as_get_without_the_body(client: httpx.AsyncClient, path: str) -> None:
    """Feed validators and link checkers ask HEAD; it was 405."""
    got = await client.get(path)
    head = await client.head(path)
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "content-type", "content-length", "cache-control"):
        assert head.headers[name] == got.headers[name], name
    held = await client.head(path, headers={"If-None-Match": got.headers["etag"]})
    assert held.status_code == 304


async def test_head_needs_a_token_where_get_does(client: httpx.AsyncClient) -> None:
    head = await client.head("/v1/releases")
    assert head.status_code == 401 and head.content == b""
    assert (await client.head("/v1/releases/r1/submit")).status_code == 405  # POST only
