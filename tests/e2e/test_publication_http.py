"""Publication end to end over HTTP only: the sample release drafted by alice, approved by erin
(policy) and frank (legal), embargoed by carol a few seconds ahead with rita as its recipient. A
publish before the lift is refused and nothing is public; at the lift it goes public by itself,
on its page, in the JSON and Atom feeds and as ninjs. Then a major correction (edition 2, a
change note, a new public timestamp), a minor one (edition 3, nothing moves), a withdrawal (still
readable, with its notice) and, by the managing editor only, an unpublishing (410). A webhook and
an inbox subscribed over HTTP are told of each step: signed, in order, each notice once (email
skips the minor edition). A publish of a revision nobody approved is refused."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from events.slugs import slug_for
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_approval_http import (
    APPROVAL_WAIT_S,
    approve,
    assert_problem,
    draft_and_submit,
    reviewed,
    until_approval,
)
from tests.e2e.told import Told
from tests.integration.delivery_support import Mailbox, Receiver
from tests.support import eventually
from tests.unit.test_ninjs import assert_valid_ninjs

pytestmark = pytest.mark.integration
LIFT_IN_S = 20  # long enough to be refused and to look at the feed first, on a slow machine
PUBLIC_WAIT_S = 120.0  # the lift, then publication, then the projector
ATOM = "{http://www.w3.org/2005/Atom}"
PROBLEM = "urn:pressroom:problem:"
# Publication hears approvals and content on its own topics, a moment after the read model
# shows them: until then a publish is refused with one of these, which changes nothing.
NOT_YET = {f"{PROBLEM}not-approved", f"{PROBLEM}content-unknown", f"{PROBLEM}already-published"}
FEED_PAGES = 50


def press_release_title_suffix() -> str:
    """A title of its own per run, so the slug is this release's and no earlier run's."""
    return f" (publication {uuid.uuid4().hex[:8]})"


def path(release_id: str, action: str) -> str:
    return f"/v1/releases/{release_id}/{action}"


# --- writes ----------------------------------------------------------------------------------


async def settled_post(http: httpx.AsyncClient, url: str, body: Any = None) -> httpx.Response:
    """A POST and its outcome: after a 202 the same Idempotency-Key brings the outcome once the
    service has one, never a second effect."""
    key = {"Idempotency-Key": str(uuid.uuid4())}

    async def outcome() -> httpx.Response | None:
        answer = await http.post(url, json=body, headers=key)
        return None if answer.status_code == 202 else answer

    return await eventually(outcome, APPROVAL_WAIT_S, f"the outcome of POST {url}")


async def post_once_they_know(
    http: httpx.AsyncClient, url: str, body: Any = None, not_yet: frozenset[str] = frozenset()
) -> httpx.Response:
    """Repeats a POST (a new key each time) while the service refuses it with a problem in
    `not_yet` (it has not heard what it needs yet); any other answer is returned."""

    async def attempt() -> httpx.Response | None:
        answer = await settled_post(http, url, body)
        refused_for_now = answer.status_code == 409 and answer.json().get("type") in not_yet
        return None if refused_for_now else answer

    return await eventually(attempt, APPROVAL_WAIT_S, f"POST {url} to be heard")


async def approved_by_both(
    stack: Stack, alice: httpx.AsyncClient, release_id: str
) -> dict[str, Any]:
    """erin signs policy, then frank legal, for the revision pending now: the approved release."""
    pending = await until_approval(alice, release_id, "pending")
    async with stack.client("dev-erin") as erin, stack.client("dev-frank") as frank:
        assert (await approve(erin, release_id, "policy", reviewed(pending))).status_code == 200
        assert (await approve(frank, release_id, "legal", reviewed(pending))).status_code == 200
    revision = pending["approval"]["revision"]
    return await until_approval(alice, release_id, "approved", revision=revision)


async def corrected_and_resubmitted(
    alice: httpx.AsyncClient, release_id: str, changes: dict[str, Any]
) -> None:
    """Starts a correction (once drafting has heard of the edition), revises and submits."""
    started = await post_once_they_know(
        alice, path(release_id, "corrections"), not_yet=frozenset({f"{PROBLEM}wrong-status"})
    )
    assert started.status_code == 200, started.text
    revised = await alice.patch(
        f"/v1/releases/{release_id}", json=changes, headers={"If-Match": started.headers["ETag"]}
    )
    assert revised.status_code == 200, revised.text
    submitted = await alice.post(
        path(release_id, "submit"), headers={"If-Match": revised.headers["ETag"]}
    )
    assert submitted.status_code == 200, submitted.text


async def published_by(carol: httpx.AsyncClient, release_id: str, body: dict[str, Any]) -> None:
    answer = await post_once_they_know(
        carol, path(release_id, "publish"), body, not_yet=frozenset(NOT_YET)
    )
    assert answer.status_code == 200, answer.text


# --- public reads ----------------------------------------------------------------------------


async def feed_item(public: httpx.AsyncClient, release_id: str) -> dict[str, Any] | None:
    """The release's item in the JSON feed, paging through it (earlier runs fill it)."""
    url: str | None = "/v1/feed?limit=100"
    for _ in range(FEED_PAGES):
        if url is None:
            return None
        page = (await public.get(url)).json()
        found = next((i for i in page["items"] if i["release_id"] == release_id), None)
        if found:
            return dict(found)
        url = page["next"]
    raise AssertionError("the feed never ended")


async def public_page_when(
    public: httpx.AsyncClient, slug: str, reached: Any, what: str
) -> dict[str, Any]:
    """The public page once `reached(page)` holds (the public side has no read-your-writes)."""

    async def probe() -> dict[str, Any] | None:
        answer = await public.get(f"/v1/public/{slug}")
        page: dict[str, Any] = answer.json() if answer.status_code == 200 else {}
        return page if page and reached(page) else None

    return await eventually(probe, PUBLIC_WAIT_S, what)


async def ninjs_of(public: httpx.AsyncClient, slug: str) -> dict[str, Any]:
    answer = await public.get(f"/v1/public/{slug}.ninjs")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    item: dict[str, Any] = answer.json()
    assert_valid_ninjs(item)
    return item


def assert_valid_atom(document: bytes) -> ET.Element:
    """What RFC 4287 requires of a feed and its entries (4.1.1, 4.1.2): one id (an absolute
    IRI), title and updated (RFC 3339 with an offset) each; an author for every entry (its own
    or the feed's); an entry without content has an alternate link."""
    feed = ET.fromstring(document)
    assert feed.tag == f"{ATOM}feed"
    _assert_atom_metadata(feed)
    feed_has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in feed.findall(f"{ATOM}entry"):
        _assert_atom_metadata(entry)
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        has_alternate = entry.find(f"{ATOM}link[@rel='alternate']") is not None
        assert entry.find(f"{ATOM}content") is not None or has_alternate
        assert len(entry.findall(f"{ATOM}content")) <= 1
    return feed


def _assert_atom_metadata(element: ET.Element) -> None:
    for name in ("id", "title", "updated"):
        assert len(element.findall(f"{ATOM}{name}")) == 1, f"{element.tag} needs one {name}"
    assert urlsplit(element.findtext(f"{ATOM}id") or "").scheme, "an id is an absolute IRI"
    updated = datetime.fromisoformat(element.findtext(f"{ATOM}updated") or "")
    assert updated.utcoffset() is not None


def atom_entry(feed: ET.Element, release_id: str) -> ET.Element | None:
    wanted = f"urn:pressroom:release:{release_id}"
    return next(
        (e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}id") == wanted), None
    )


# --- the story -------------------------------------------------------------------------------


async def test_a_release_goes_public_at_its_lift_then_is_corrected_withdrawn_and_unpublished(
    stack: Stack, receiver: Receiver, mailbox: Mailbox
) -> None:
    suffix = press_release_title_suffix()
    async with (
        stack.client() as alice,
        stack.client("dev-carol") as carol,
        httpx.AsyncClient(base_url=stack.base_url, timeout=60) as public,
    ):
        told = await Told.subscribe(carol, receiver, mailbox)
        release_id = await draft_and_submit(alice, suffix)
        approved = await approved_by_both(stack, alice, release_id)
        slug = slug_for(approved["title"], release_id)
        assert slug.endswith(slug_for(suffix, release_id))  # its own, not an earlier run's

        lift_at = await refused_before_the_lift(carol, public, release_id, slug)
        first = await public_at_the_lift(public, release_id, slug, lift_at)
        await told_at_the_lift(told, release_id, first)
        second = await after_a_major_correction(stack, alice, carol, public, release_id, first)
        await told_of_the_major_correction(told, release_id, second)
        await after_a_minor_correction(stack, alice, carol, public, release_id, second)
        await told.until(release_id, suffix, notices=3, emails=2)  # minor: webhook only
        await withdrawn_then_unpublished(stack, carol, public, release_id, slug)
        await told_of_the_end(told, release_id, suffix)
        await told.unsubscribe(carol)


async def told_at_the_lift(told: Told, release_id: str, page: dict[str, Any]) -> None:
    """One signed webhook delivery of exactly the public edition, and one email."""
    await told.until(release_id, page["title"], notices=1, emails=1)
    [notice] = told.webhook_notices(release_id)
    assert (notice["notice"], notice["edition"], notice["slug"]) == ("published", 1, page["slug"])
    assert notice["body"] == page["body"]
    async with httpx.AsyncClient(timeout=30) as public:
        permanent = await public.get(notice["url"])  # slug + id: its own whatever else is public
    assert permanent.status_code == 301
    assert permanent.headers["Location"] == f"/v1/public/{page['slug']}"
    [email] = told.emails(page["title"])
    assert email["Subject"] == page["title"]


async def told_of_the_major_correction(told: Told, release_id: str, page: dict[str, Any]) -> None:
    """The same receivers get edition 2 with its change note."""
    await told.until(release_id, page["title"], notices=2, emails=2)
    second = told.webhook_notices(release_id)[1]
    note = page["change_history"][-1]["note"]
    assert (second["edition"], second["update_type"], second["change_note"]) == (2, "major", note)
    email = told.emails(page["title"])[1]
    assert email["Subject"] == f"Updated: {page['title']}"
    assert note in email.get_body(("plain",)).get_content()


async def told_of_the_end(told: Told, release_id: str, suffix: str) -> None:
    """The withdrawal and then the unpublishing reach both, in that order, after the editions."""
    await told.until(release_id, suffix, notices=5, emails=4)
    notices = [(n["notice"], n["edition"]) for n in told.webhook_notices(release_id)]
    assert notices == [
        ("published", 1), ("published", 2), ("published", 3), ("withdrawn", 3),
        ("unpublished", 3),
    ]  # fmt: skip
    subjects = [str(m["Subject"]).split(":")[0] for m in told.emails(suffix)]
    assert subjects[2:] == ["Withdrawn", "Removed"]


async def refused_before_the_lift(
    carol: httpx.AsyncClient, public: httpx.AsyncClient, release_id: str, slug: str
) -> datetime:
    """carol embargoes it for rita; her own publish right after is refused; nothing is public."""
    lift_at = datetime.now(UTC) + timedelta(seconds=LIFT_IN_S)
    terms = {"lift_at": lift_at.isoformat(), "recipients": ["rita"]}
    embargoed = await carol.put(path(release_id, "embargo"), json=terms)
    assert embargoed.status_code == 200, embargoed.text
    after = {"Pressroom-Read-After": embargoed.headers["Pressroom-Read-After"]}

    early = await carol.post(path(release_id, "publish"), json={}, headers=after)
    problem = assert_problem(early, 409)
    assert problem["type"] == f"{PROBLEM}under-embargo", problem
    assert await feed_item(public, release_id) is None
    for suffix in ("", ".ninjs"):
        assert_problem(await public.get(f"/v1/public/{slug}{suffix}"), 404)
    return lift_at


async def public_at_the_lift(
    public: httpx.AsyncClient, release_id: str, slug: str, lift_at: datetime
) -> dict[str, Any]:
    """Edition 1, by itself, at the lift: the page, the feed, Atom and ninjs agree."""
    page = await public_page_when(public, slug, lambda p: True, f"{slug} to go public")
    assert (page["release_id"], page["edition"], page["state"]) == (release_id, 1, "published")
    first_published = datetime.fromisoformat(page["first_published_at"])
    assert first_published >= lift_at
    assert page["public_updated_at"] == page["first_published_at"]
    assert [line["note"] for line in page["change_history"]] == ["First published."]

    item = await feed_item(public, release_id)
    assert item is not None and item["slug"] == slug and item["edition"] == 1

    atom = await public.get("/v1/feed.atom", params={"limit": 100})
    assert atom.status_code == 200
    assert atom.headers["content-type"].startswith("application/atom+xml")
    entry = atom_entry(assert_valid_atom(atom.content), release_id)
    assert entry is not None and entry.findtext(f"{ATOM}title") == page["title"]
    assert datetime.fromisoformat(entry.findtext(f"{ATOM}published") or "") == first_published

    ninjs = await ninjs_of(public, slug)
    assert ninjs["uri"] == f"urn:pressroom:release:{release_id}"
    assert (ninjs["version"], ninjs["pubstatus"]) == ("1", "usable")
    assert datetime.fromisoformat(ninjs["firstcreated"]) == first_published
    assert ninjs["headlines"][0]["value"] == page["title"]
    assert ninjs["bodies"][0]["value"] == page["body"]
    return page


async def after_a_major_correction(
    stack: Stack,
    alice: httpx.AsyncClient,
    carol: httpx.AsyncClient,
    public: httpx.AsyncClient,
    release_id: str,
    first: dict[str, Any],
) -> dict[str, Any]:
    """A new summary, approved again, published as major: edition 2 with its change note and a
    new public timestamp; the first publication stays where it was. Before the approval, the
    revised (unapproved) revision is refused."""
    summary = f"{first['summary']} Corrected: the talks were on 4 May."
    await corrected_and_resubmitted(alice, release_id, {"summary": summary})
    unapproved = await post_once_they_know(
        carol, path(release_id, "publish"), {"update_type": "major", "change_note": "Too early."},
        not_yet=frozenset({f"{PROBLEM}already-published"}),
    )  # fmt: skip
    assert assert_problem(unapproved, 409)["type"] == f"{PROBLEM}not-approved"

    await approved_by_both(stack, alice, release_id)
    note = "Corrected the date of the talks."
    await published_by(carol, release_id, {"update_type": "major", "change_note": note})
    slug = first["slug"]
    page = await public_page_when(public, slug, lambda p: p["edition"] == 2, "edition 2")
    assert page["summary"] == summary
    assert [line["note"] for line in page["change_history"]] == ["First published.", note]
    assert page["first_published_at"] == first["first_published_at"]
    moved = datetime.fromisoformat(page["public_updated_at"])
    assert moved > datetime.fromisoformat(first["public_updated_at"])

    ninjs = await ninjs_of(public, slug)
    assert ninjs["version"] == "2" and datetime.fromisoformat(ninjs["versioncreated"]) == moved
    changenotes = [d["value"] for d in ninjs["descriptions"] if d["role"] == "changenote"]
    assert changenotes == [note]
    return page


async def after_a_minor_correction(
    stack: Stack,
    alice: httpx.AsyncClient,
    carol: httpx.AsyncClient,
    public: httpx.AsyncClient,
    release_id: str,
    second: dict[str, Any],
) -> None:
    """A typo fixed, approved, published as minor: edition 3, and nothing public moves."""
    body = second["body"].replace("Foreign Secretary", "The Foreign Secretary", 1)
    await corrected_and_resubmitted(alice, release_id, {"body": body})
    await approved_by_both(stack, alice, release_id)
    await published_by(carol, release_id, {"update_type": "minor"})
    slug = second["slug"]
    page = await public_page_when(public, slug, lambda p: p["edition"] == 3, "edition 3")
    assert page["body"] == body
    assert page["public_updated_at"] == second["public_updated_at"]
    assert page["change_history"] == second["change_history"]
    assert (await ninjs_of(public, slug))["version"] == "3"


async def withdrawn_then_unpublished(
    stack: Stack, carol: httpx.AsyncClient, public: httpx.AsyncClient, release_id: str, slug: str
) -> None:
    """Withdrawn: still readable, with the notice (ninjs: canceled). Unpublished as gone, by the
    managing editor only: 410 everywhere and out of the feed."""
    explanation = "Superseded by the joint statement of 5 May."
    withdrawn = await settled_post(
        carol, path(release_id, "withdraw"), {"explanation": explanation}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    page = await public_page_when(public, slug, lambda p: p["state"] == "withdrawn", "withdrawal")
    assert page["withdrawal"]["explanation"] == explanation
    ninjs = await ninjs_of(public, slug)
    assert ninjs["pubstatus"] == "canceled" and explanation in ninjs["ednote"]
    item = await feed_item(public, release_id)
    assert item is not None and item["withdrawal"]["explanation"] == explanation

    gone = {"type": "gone"}
    assert_problem(await carol.post(path(release_id, "unpublish"), json=gone), 403)
    async with stack.client("dev-erin") as erin, stack.client("dev-rita") as rita:
        assert_problem(await erin.post(path(release_id, "unpublish"), json=gone), 403)
        assert_problem(await rita.post(path(release_id, "unpublish"), json=gone), 404)
    async with stack.client("dev-dave") as dave:
        unpublished = await settled_post(dave, path(release_id, "unpublish"), gone)
    assert unpublished.status_code == 200, unpublished.text

    async def gone_for_good() -> bool:
        return (await public.get(f"/v1/public/{slug}")).status_code == 410

    await eventually(gone_for_good, PUBLIC_WAIT_S, f"{slug} to be gone")
    assert_problem(await public.get(f"/v1/public/{slug}.ninjs"), 410)
    assert await feed_item(public, release_id) is None


async def test_a_revision_nobody_approved_is_not_published(stack: Stack) -> None:
    async with stack.client() as alice, stack.client("dev-carol") as carol:
        release_id = await draft_and_submit(alice, press_release_title_suffix())
        await until_approval(alice, release_id, "pending")
        refused = await settled_post(carol, path(release_id, "publish"), {})
        assert assert_problem(refused, 409)["type"] == f"{PROBLEM}not-approved"
        detail = (await alice.get(f"/v1/releases/{release_id}")).json()
    assert detail["publication_status"] == "not-published"
