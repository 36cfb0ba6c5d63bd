"""Subscribers: who publication tells about public releases, by webhook or by email.

A subscriber is its own stream in publication's event store (subject = subscriber id), not a
release: its messages carry `subscriber_id` where release messages carry `release_id`. They travel
on publication's topics, keyed by subscriber id. A webhook's secret never travels or rests in
clear: the gateway seals it (Fernet, with a key of the settings) into RegisterSubscriber v2,
publication keeps the sealed value and opens it only to sign a delivery; events carry a keyed
fingerprint (docs/deliveries.md).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import EmailStr, Field, StringConstraints

from events.actor import Actor
from events.base import TOLERANT_READER, Contract, Message
from events.content import Identifier, ShortText
from events.text import SingleLine

Channel = Literal["webhook", "email"]
# Checked by decide (https, or http to this machine only), so a bad URL is a clear refusal.
WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), SingleLine]
# RegisterSubscriber v1's secret: any text of 24+ characters, sent in clear (no longer accepted).
WebhookSecret = Annotated[str, StringConstraints(min_length=24, max_length=200), SingleLine]
# Who decides where releases go: the press office's editors and the operators who run it
# (publication's decide requires one of them; the gateway shows subscribers only to them).
OPERATOR = "operator"
SUBSCRIPTION_MANAGERS = ("press-officer", "managing-editor", OPERATOR)


def manages(actor: Actor, owner: str | None) -> bool:
    """Operators manage every subscriber; a press office only its own organisation's."""
    if actor.has_role(OPERATOR):
        return True
    return actor.organisation is not None and actor.organisation == owner


# A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 random bytes
# (https://www.standardwebhooks.com/), what receivers' `standardwebhooks` libraries take.
StandardWebhookSecret = Annotated[
    str, StringConstraints(pattern=r"^whsec_[A-Za-z0-9+/]{32,88}={0,2}$", max_length=100)
]
# A secret sealed with the deployment's key (a Fernet token: urlsafe base64, authenticated).
SealedSecret = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_=-]{40,1000}$")]
# 16 hex digits of a keyed hash of the secret: says which secret, never what it is.
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
    model_config = TOLERANT_READER
    service: ClassVar[str] = "publication"
    kind: ClassVar[str] = "event"
    subscriber_id: Identifier


class SubscriberTermsV1(Contract):
    """What a subscriber was in RegisterSubscriber v1: its secret in clear."""

    name: ShortText
    channel: Channel
    url: WebhookUrl | None = None
    secret: WebhookSecret | None = None
    email: EmailStr | None = None
    filters: SubscriberFilters = SubscriberFilters()


class SubscriberTerms(Contract):
    """What a subscriber is: a webhook (url + Standard Webhooks secret) or an email address, and
    what it wants. The HTTP body of POST /v1/subscribers is exactly this."""

    name: ShortText
    channel: Channel
    url: WebhookUrl | None = None
    secret: StandardWebhookSecret | None = None
    email: EmailStr | None = None
    filters: SubscriberFilters = SubscriberFilters()


class RegisterSubscriberV1(SubscriberCommand, SubscriberTermsV1):
    """A webhook (url + secret) or an email address, with the releases it wants."""

    deprecation: ClassVar[str | None] = (
        "Superseded by RegisterSubscriber.v2: a webhook's secret no longer travels in clear. "
        "A v1 command is read as v2 without its secret, so a v1 webhook registration is "
        "refused; a v1 email registration still works."
    )
    type: Literal["RegisterSubscriber"] = "RegisterSubscriber"
    version: Literal[1] = 1


class RegisterSubscriber(SubscriberCommand):
    """v2: the webhook's secret travels sealed with the deployment's key, never in clear; a v1
    command is read as v2 without its secret, so a v1 webhook registration is refused."""

    type: Literal["RegisterSubscriber"] = "RegisterSubscriber"
    version: Literal[2] = 2
    name: ShortText
    channel: Channel
    url: WebhookUrl | None = None
    sealed_secret: SealedSecret | None = None
    secret_fingerprint: SecretFingerprint | None = None
    email: EmailStr | None = None
    filters: SubscriberFilters = SubscriberFilters()


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
    # The organisation it belongs to: only that organisation's press office manages it. None
    # (registered by an operator, or before subscribers had owners): operators manage it.
    organisation: Identifier | None = None


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
