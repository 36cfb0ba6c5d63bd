"""Deliveries' pure parts: the attempt record, the subscriber's rules, who hears about what, the
webhook signature a receiver checks, and the email a person reads."""

from __future__ import annotations

import base64
import email
import json
import time
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from pydantic import ValidationError
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from events.actor import Actor
from events.base import Message
from events.catalog import REGISTRY
from events.content import ReleaseContent, content_hash
from events.envelope import Envelope
from events.publication import (
    ChangeNote,
    DeliveryAttempted,
    DeliveryFailed,
    DeliverySucceeded,
    RecordDeliveryAttempt,
    ReleasePublished,
    ReleaseUnpublished,
    ReleaseWithdrawn,
)
from events.rules import NotAllowed
from events.subscribers import (
    RedeliveryRequested,
    RegisterSubscriber,
    RegisterSubscriberV1,
    RemoveSubscriber,
    RequestRedelivery,
    SubscriberFilters,
    SubscriberRegistered,
    SubscriberRemoved,
    SubscriberTerms,
)
from events.webhook_addresses import url_problem
from services.publication.decider import PUBLICATION
from services.publication.email_render import render_email
from services.publication.fanout import (
    ActiveSubscriber,
    delivery_id,
    plan_deliveries,
    published_payload,
    wants,
)
from services.publication.senders import Senders
from services.publication.signing import signed_headers
from services.publication.subscriber_decider import SUBSCRIBERS
from services.publication.subscribers import (
    AlreadyRegistered,
    InvalidSubscriber,
    UnknownSubscriber,
)
from tests.sealing_support import SECRET, TEST_BOX, sealed_webhook
from tests.unit.given_when_then import NOW, specification

RELEASE = "uk-japan-2016"
SYSTEM = Actor(id="pressroom-publication", roles=["system"])
PAUL = Actor(id="paul", roles=["press-officer"], organisation="fco")
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
HOOK = "https://newswire.example/hook"
CONTENT = ReleaseContent(
    title="Visit to Japan", summary="Talks.", body="Body.", organisations=["fco", "mod"],
    topics=["defence"],
)  # fmt: skip
given_release = specification(PUBLICATION)
given_subscriber = specification(SUBSCRIBERS)


# --- the attempt record -------------------------------------------------------------------------


def attempt(n: int, succeeded: bool, round_attempt: int | None = None) -> RecordDeliveryAttempt:
    return RecordDeliveryAttempt(
        release_id=RELEASE, actor=SYSTEM, subscriber_id="wire", edition=1, notice="published",
        delivery_id="d-1", attempt=n, round_attempt=round_attempt or n, max_attempts=3,
        succeeded=succeeded, detail="HTTP 200" if succeeded else "HTTP 503",
    )  # fmt: skip


WHICH: dict[str, Any] = {
    "release_id": RELEASE, "subscriber_id": "wire", "edition": 1, "notice": "published",
    "delivery_id": "d-1",
}  # fmt: skip


def test_a_successful_attempt_is_recorded_and_closes_the_delivery() -> None:
    given_release([]).when(attempt(2, succeeded=True)).then(
        [
            DeliveryAttempted(**WHICH, attempt=2, succeeded=True, detail="HTTP 200"),
            DeliverySucceeded(**WHICH, attempt=2),
        ]
    )


def test_a_failed_attempt_before_the_last_is_recorded_and_retried_later() -> None:
    given_release([]).when(attempt(2, succeeded=False)).then(
        [DeliveryAttempted(**WHICH, attempt=2, succeeded=False, detail="HTTP 503")]
    )


def test_the_last_failed_attempt_of_a_round_gives_up_visibly() -> None:
    events = given_release([]).when(attempt(3, succeeded=False)).decide()
    assert isinstance(events[-1], DeliveryFailed)
    assert events[-1].attempts == 3 and "HTTP 503" in events[-1].reason


def test_a_redelivery_round_counts_its_own_attempts() -> None:
    """Attempt 5 overall but the 1st of a new round: retried, not given up."""
    events = given_release([]).when(attempt(5, succeeded=False, round_attempt=1)).decide()
    assert [type(e) for e in events] == [DeliveryAttempted]


def test_only_publication_itself_records_attempts() -> None:
    command = attempt(1, succeeded=True).model_copy(update={"actor": PAUL})
    given_release([]).when(command).then_rejects(NotAllowed)


def test_delivery_events_change_nothing_public() -> None:
    events = [DeliverySucceeded(**WHICH, attempt=1)]
    state = PUBLICATION.fold(events)
    assert state.version == 1 and state.current is None


# --- the subscriber ------------------------------------------------------------------------------


def register(**fields: Any) -> RegisterSubscriber:
    terms = {**sealed_webhook(HOOK), **fields}
    return RegisterSubscriber(subscriber_id="wire", actor=PAUL, name="Newswire", **terms)


NO_SECRET = {"sealed_secret": None, "secret_fingerprint": None}


def registered() -> SubscriberRegistered:
    return SubscriberRegistered(
        subscriber_id="wire", name="Newswire", channel="webhook", url=HOOK, email=None,
        filters=SubscriberFilters(), secret_fingerprint=TEST_BOX.fingerprint(SECRET),
        registered_by="paul", organisation="fco",
    )  # fmt: skip


def test_a_press_officer_registers_a_webhook_and_the_event_names_its_secret_by_fingerprint() -> (
    None
):
    command = register()
    [event] = given_subscriber([]).when(command).then([registered()])
    assert SECRET not in event.model_dump_json() and SECRET not in command.model_dump_json()


def test_an_email_subscriber_needs_an_address_and_no_secret() -> None:
    given_subscriber([]).when(register(channel="email", url=None, **NO_SECRET)).then_rejects(
        InvalidSubscriber
    )
    command = register(channel="email", url=None, **NO_SECRET, email="desk@news.example")
    [event] = given_subscriber([]).when(command).decide()
    assert event.email == "desk@news.example" and event.secret_fingerprint is None


def test_a_webhook_needs_a_sealed_secret() -> None:
    given_subscriber([]).when(register(**NO_SECRET)).then_rejects(InvalidSubscriber)


def test_a_v1_webhook_registration_with_its_secret_in_clear_is_read_without_it_and_refused() -> (
    None
):
    v1 = {
        "subscriber_id": "wire", "actor": PAUL.model_dump(), "name": "Newswire",
        "type": "RegisterSubscriber", "version": 1, "channel": "webhook", "url": HOOK,
        "secret": "an-old-clear-secret-of-24+chars",
    }  # fmt: skip
    command = REGISTRY.read(RegisterSubscriberV1.ce_type(), v1)
    assert isinstance(command, RegisterSubscriber) and "an-old-clear" not in repr(command)
    given_subscriber([]).when(command).then_rejects(InvalidSubscriber)


def test_a_v1_email_registration_still_reads_and_registers() -> None:
    v1 = {
        "subscriber_id": "desk", "actor": PAUL.model_dump(), "name": "Desk",
        "type": "RegisterSubscriber", "version": 1, "channel": "email", "email": "d@news.example",
    }  # fmt: skip
    command = REGISTRY.read(RegisterSubscriberV1.ce_type(), v1)
    [event] = given_subscriber([]).when(command).decide()
    assert isinstance(event, SubscriberRegistered) and event.email == "d@news.example"


def test_a_bad_secret_or_a_bad_email_is_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError):
        SubscriberTerms(name="Wire", channel="webhook", url=HOOK, secret="s" * 32)  # no whsec_
    with pytest.raises(ValidationError):
        register(sealed_secret="not a sealed value")
    with pytest.raises(ValidationError):
        register(channel="email", email="not-an-address")


@pytest.mark.parametrize(
    ("url", "usable"),
    [
        ("https://newswire.example/hook", True),
        ("http://127.0.0.1:9000/hook", True),
        ("http://localhost/hook", True),
        ("http://newswire.example/hook", False),
        ("https://user:pw@newswire.example/hook", False),
        ("ftp://newswire.example/hook", False),
        ("/relative", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("https://[fe80::1]/hook", False),
        ("https://0.0.0.0/hook", False),
        ("https://10.1.2.3/hook", True),
        # Numeric spellings of 169.254.169.254 (cloud metadata) and a mapped IPv6 form.
        ("https://2852039166/", False),
        ("https://0xa9fea9fe/", False),
        ("https://0251.0376.0251.0376/", False),
        ("https://[::ffff:169.254.169.254]/", False),
        ("https://[::ffff:a9fe:a9fe]/", False),
    ],
)
def test_webhook_urls_are_https_or_a_literal_address(url: str, usable: bool) -> None:
    assert (url_problem(url) is None) is usable


def test_a_writer_may_not_register_subscribers() -> None:
    command = register().model_copy(update={"actor": ALICE})
    given_subscriber([]).when(command).then_rejects(NotAllowed)


def test_an_id_is_registered_once() -> None:
    given_subscriber([registered()]).when(register()).then_rejects(AlreadyRegistered)


def test_a_removed_subscriber_gets_no_redelivery() -> None:
    remove = RemoveSubscriber(subscriber_id="wire", actor=PAUL)
    removed = SubscriberRemoved(subscriber_id="wire", removed_by="paul")
    given_subscriber([registered()]).when(remove).then([removed])
    redeliver = RequestRedelivery(subscriber_id="wire", actor=PAUL)
    given_subscriber([registered(), removed]).when(redeliver).then_rejects(UnknownSubscriber)


def test_a_redelivery_may_name_one_release() -> None:
    redeliver = RequestRedelivery(subscriber_id="wire", actor=PAUL, release_id=RELEASE)
    given_subscriber([registered()]).when(redeliver).then(
        [RedeliveryRequested(subscriber_id="wire", release_id=RELEASE, requested_by="paul")]
    )


# --- who hears about what ------------------------------------------------------------------------


def edition(number: int, update: str = "major") -> Envelope[Message]:
    event = ReleasePublished(
        release_id=RELEASE, edition=number, update_type=update, change_note="Fixed a date.",
        slug="visit-to-japan", revision=number, content_hash=content_hash(CONTENT),
        content=CONTENT, first_published_at=NOW, public_updated_at=NOW,
        change_history=[ChangeNote(edition=1, note="First published.", public_timestamp=NOW)],
        published_by="paul",
    )  # fmt: skip
    return envelope(event)


def envelope(event: Message) -> Envelope[Message]:
    return Envelope[Message](
        id=f"event-{event.type}", source="/pressroom/publication", time=NOW, subject=RELEASE,
        data=event, sequence=5, correlation_id="c", actor="paul",
    )  # fmt: skip


def subscriber(ident: str, channel: str = "webhook", **filters: list[str]) -> ActiveSubscriber:
    return ActiveSubscriber(ident, channel, SubscriberFilters(**filters))


def plan(event: Envelope[Message], subscribers: list[ActiveSubscriber], had: set[str]) -> list[str]:
    last = published_payload(edition(1), edition(1).data, "https://press.example")  # type: ignore[arg-type]
    planned = plan_deliveries(event, subscribers, had, last, "https://press.example")
    return [p.subscriber_id for p in planned]


def test_filters_match_one_shared_organisation_and_one_shared_topic() -> None:
    assert wants(SubscriberFilters(), CONTENT)
    assert wants(SubscriberFilters(organisations=["mod"], topics=["defence"]), CONTENT)
    assert not wants(SubscriberFilters(organisations=["dfe"]), CONTENT)
    assert not wants(SubscriberFilters(organisations=["fco"], topics=["schools"]), CONTENT)


def test_a_first_edition_goes_to_every_matching_subscriber() -> None:
    everyone = [subscriber("a"), subscriber("b", organisations=["dfe"]), subscriber("c", "email")]
    assert plan(edition(1), everyone, set()) == ["a", "c"]


def test_a_correction_also_reaches_who_had_an_earlier_edition_whatever_their_filters() -> None:
    everyone = [subscriber("a"), subscriber("b", organisations=["dfe"])]
    assert plan(edition(2), everyone, {"b"}) == ["a", "b"]


def test_email_skips_minor_editions_but_webhooks_get_them() -> None:
    everyone = [subscriber("hook"), subscriber("mail", "email")]
    assert plan(edition(2, "minor"), everyone, {"hook", "mail"}) == ["hook"]
    assert plan(edition(2, "major"), everyone, {"hook", "mail"}) == ["hook", "mail"]


def test_withdrawals_and_unpublishings_go_only_to_who_had_an_edition() -> None:
    everyone = [subscriber("a"), subscriber("b"), subscriber("c", "email")]
    withdrawn = ReleaseWithdrawn(
        release_id=RELEASE, edition=1, explanation="Superseded.", withdrawn_at=NOW,
        withdrawn_by="paul",
    )  # fmt: skip
    gone = ReleaseUnpublished(
        release_id=RELEASE, edition=1, unpublish_type="gone", redirect_url=None,
        unpublished_at=NOW, unpublished_by="dave",
    )  # fmt: skip
    assert plan(envelope(withdrawn), everyone, {"a", "c"}) == ["a", "c"]
    assert plan(envelope(gone), everyone, {"b"}) == ["b"]


def test_a_delivery_id_is_stable_and_distinct_per_subscriber_edition_and_notice() -> None:
    assert delivery_id("a", RELEASE, 1, "published") == delivery_id("a", RELEASE, 1, "published")
    ids = {
        delivery_id("a", RELEASE, 1, "published"), delivery_id("b", RELEASE, 1, "published"),
        delivery_id("a", RELEASE, 2, "published"), delivery_id("a", RELEASE, 1, "withdrawn"),
    }  # fmt: skip
    assert len(ids) == 4


def test_the_payload_carries_the_content_the_link_and_its_own_delivery_id() -> None:
    [planned] = plan_deliveries(edition(1), [subscriber("a")], set(), None, "https://press.example")
    payload = planned.payload
    assert payload["delivery_id"] == planned.delivery_id and payload["subscriber_id"] == "a"
    # The permanent address (slug + id): the plain slug may be an earlier release's.
    assert payload["url"] == f"https://press.example/v1/public/visit-to-japan-{RELEASE}"
    assert payload["content_hash"] == content_hash(CONTENT) and payload["body"] == "Body."
    json.dumps(payload)  # it travels as JSON


# --- the webhook signature -----------------------------------------------------------------------


def test_a_receiver_verifies_deliveries_with_the_official_standard_webhooks_library() -> None:
    body = b'{"notice":"published"}'
    now = int(time.time())
    headers = signed_headers(SECRET, "d-1", now, body)
    assert headers["webhook-id"] == "d-1" and headers["webhook-signature"].startswith("v1,")
    assert Webhook(SECRET).verify(body, headers) == {"notice": "published"}
    other = "whsec_" + base64.b64encode(b"another-secret-of-24-byte").decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body + b" ", headers)


def test_a_replayed_delivery_outside_the_window_is_refused_by_the_library() -> None:
    body = b"{}"
    headers = signed_headers(SECRET, "d-1", int(time.time()) - 301, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, headers)


# --- the email -----------------------------------------------------------------------------------


def test_an_email_has_plain_text_and_html_and_a_message_id_from_its_delivery() -> None:
    [planned] = plan_deliveries(edition(2), [subscriber("m", "email")], {"m"}, None, "https://p")
    message = render_email(planned.payload, "desk@news.example", "Press <press@gov.example>")
    parsed = email.message_from_bytes(bytes(message), _class=EmailMessage, policy=policy.default)
    assert parsed["Subject"] == "Updated: Visit to Japan"
    assert planned.delivery_id in parsed["Message-ID"]
    kinds = [part.get_content_type() for part in parsed.walk()]
    assert "text/plain" in kinds and "text/html" in kinds
    text = parsed.get_body(("plain",))
    assert text is not None and "What changed: Fixed a date." in text.get_content()


def test_html_in_a_release_is_escaped_in_the_email() -> None:
    payload = {
        "notice": "withdrawn", "title": "<script>x</script>", "explanation": "a < b",
        "url": "https://p/x", "edition": 1, "delivery_id": "d-9",
    }  # fmt: skip
    html = render_email(payload, "a@b.example", "p@q.example").get_body(("html",))
    assert html is not None and "<script>" not in html.get_content()


def test_times_in_payloads_are_iso_8601_with_an_offset() -> None:
    payload = published_payload(edition(1), edition(1).data, "https://p")  # type: ignore[arg-type]
    assert payload["first_published_at"].endswith("+00:00")


async def test_a_delivery_our_code_cannot_send_is_a_failed_attempt_not_a_crash() -> None:
    """A malformed row (here: no delivery id in its payload) is recorded as a failed attempt, so
    it ends in DeliveryFailed like any other; it never stops the worker."""
    senders = Senders(
        timeout_s=1, smtp_host="127.0.0.1", smtp_port=1, mail_from="p@q.example", secrets=TEST_BOX
    )
    due = {"payload": "{}", "channel": "webhook", "url": "https://x.example",
           "secret": TEST_BOX.seal(SECRET), "delivery_id": "d-1"}  # fmt: skip
    result = await senders.send(due)
    assert not result.succeeded and result.detail.startswith("internal error: KeyError")


# --- whose subscriber: its organisation's press office (and operators) -----------------------

CAROL = Actor(id="carol", roles=["press-officer"], organisation="fco")
MARK = Actor(id="mark", roles=["press-officer", "managing-editor"], organisation="mod")
FREELANCER = Actor(id="cole", roles=["managing-editor"])
OLGA = Actor(id="olga", roles=["operator"])


def test_a_subscriber_belongs_to_the_registering_press_officer_s_organisation() -> None:
    (event,) = given_subscriber([]).when(register()).decide()
    assert isinstance(event, SubscriberRegistered) and event.organisation == "fco"


def test_another_press_officer_of_the_same_organisation_manages_it() -> None:
    remove = RemoveSubscriber(subscriber_id="wire", actor=CAROL)
    given_subscriber([registered()]).when(remove).then(
        [SubscriberRemoved(subscriber_id="wire", removed_by="carol")]
    )


@pytest.mark.parametrize("actor", [MARK, FREELANCER], ids=lambda a: a.id)
def test_another_organisation_s_subscriber_is_as_missing_as_a_missing_one(actor: Actor) -> None:
    remove = RemoveSubscriber(subscriber_id="wire", actor=actor)
    given_subscriber([registered()]).when(remove).then_rejects(UnknownSubscriber)
    redeliver = RequestRedelivery(subscriber_id="wire", actor=actor)
    given_subscriber([registered()]).when(redeliver).then_rejects(UnknownSubscriber)


def test_an_operator_manages_every_subscriber() -> None:
    remove = RemoveSubscriber(subscriber_id="wire", actor=OLGA)
    given_subscriber([registered()]).when(remove).then(
        [SubscriberRemoved(subscriber_id="wire", removed_by="olga")]
    )
