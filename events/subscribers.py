"""Subscribers: who publication tells about public releases, by webhook or by email.

A subscriber is its own stream in publication's event store (subject = subscriber id), not a
release: its messages carry `subscriber_id` where release messages carry `release_id`. They travel
on publication's topics, keyed by subscriber id. A webhook's secret is only ever in the
RegisterSubscriber command (publication keeps it in its own schema); events carry a fingerprint.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import EmailStr, Field, StringConstraints

from events.actor import Actor
from events.base import Contract, Message
from events.content import Identifier, ShortText
from events.text import SingleLine

Channel = Literal["webhook", "email"]
# Checked by decide (https, or http to this machine only), so a bad URL is a clear refusal.
WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), SingleLine]
# HMAC-SHA256 key: long enough to resist guessing, short enough for a header in a config file.
WebhookSecret = Annotated[str, StringConstraints(min_length=24, max_length=200), SingleLine]
# The first 16 hex digits of the secret's SHA-256: says which secret, never what it is.
SecretFingerprint = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]


class SubscriberFilters(Contract):
    """Which releases a subscriber hears about. An empty list means every one."""

    organisations: Annotated[list[Identifier], Field(max_length=50)] = []
    topics: Annotated[list[ShortText], Field(max_length=50)] = []


class SubscriberCommand(Message):
    service: ClassVar[str] = "publication"
    kind: ClassVar[str] = "command"
    subscriber_id: Identifier
    actor: Actor

    def stream_id(self) -> str:
        return self.subscriber_id


class SubscriberEvent(Message):
    service: ClassVar[str] = "publication"
    kind: ClassVar[str] = "event"
    subscriber_id: Identifier


class SubscriberTerms(Contract):
    """What a subscriber is: a webhook (url + secret) or an email address, and what it wants.
    The HTTP body of POST /v1/subscribers is exactly this."""

    name: ShortText
    channel: Channel
    url: WebhookUrl | None = None
    secret: WebhookSecret | None = None
    email: EmailStr | None = None
    filters: SubscriberFilters = SubscriberFilters()


class RegisterSubscriber(SubscriberCommand, SubscriberTerms):
    """A webhook (url + secret) or an email address, with the releases it wants."""

    type: Literal["RegisterSubscriber"] = "RegisterSubscriber"
    version: Literal[1] = 1


class RemoveSubscriber(SubscriberCommand):
    """Nothing more is sent; notices already waiting for it are dropped."""

    type: Literal["RemoveSubscriber"] = "RemoveSubscriber"
    version: Literal[1] = 1


class RequestRedelivery(SubscriberCommand):
    """Failed deliveries (of one release, or all) are tried again, in their order."""

    type: Literal["RequestRedelivery"] = "RequestRedelivery"
    version: Literal[1] = 1
    release_id: Identifier | None = None


class SubscriberRegistered(SubscriberEvent):
    type: Literal["SubscriberRegistered"] = "SubscriberRegistered"
    version: Literal[1] = 1
    name: ShortText
    channel: Channel
    url: WebhookUrl | None
    email: EmailStr | None
    filters: SubscriberFilters
    secret_fingerprint: SecretFingerprint | None
    registered_by: Identifier


class SubscriberRemoved(SubscriberEvent):
    type: Literal["SubscriberRemoved"] = "SubscriberRemoved"
    version: Literal[1] = 1
    removed_by: Identifier


class RedeliveryRequested(SubscriberEvent):
    type: Literal["RedeliveryRequested"] = "RedeliveryRequested"
    version: Literal[1] = 1
    release_id: Identifier | None
    requested_by: Identifier


SubscriberCommands = RegisterSubscriber | RemoveSubscriber | RequestRedelivery
SubscriberEvents = SubscriberRegistered | SubscriberRemoved | RedeliveryRequested
