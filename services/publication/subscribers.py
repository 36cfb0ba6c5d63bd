"""A subscriber's pure domain: decide and evolve for one subscriber stream. No I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from ipaddress import ip_address
from typing import assert_never
from urllib.parse import urlsplit

from events.actor import Actor
from events.replies import OutcomeStatus, Rejection
from events.rules import require_role
from events.subscribers import (
    RedeliveryRequested,
    RegisterSubscriber,
    RemoveSubscriber,
    RequestRedelivery,
    SubscriberCommands,
    SubscriberEvents,
    SubscriberRegistered,
    SubscriberRemoved,
)

# Who decides where releases go: the press office's editors and the operators who run it.
OPERATOR = "operator"
SUBSCRIPTION_MANAGERS = ("press-officer", "managing-editor", OPERATOR)


@dataclass(frozen=True)
class Subscriber:
    version: int = 0
    registered: bool = False
    removed: bool = False
    organisation: str | None = None


class AlreadyRegistered(Rejection):
    problem_type = "urn:pressroom:problem:subscriber-exists"
    title = "A subscriber with this id is already registered"


class UnknownSubscriber(Rejection):
    status = OutcomeStatus.NOT_FOUND
    problem_type = "urn:pressroom:problem:subscriber-not-found"
    title = "No such subscriber"


class InvalidSubscriber(Rejection):
    status = OutcomeStatus.INVALID
    problem_type = "urn:pressroom:problem:invalid-subscriber"
    title = "The subscriber's channel is not usable"


def initial_state() -> Subscriber:
    return Subscriber()


def decide(
    command: SubscriberCommands, state: Subscriber, now: datetime
) -> Sequence[SubscriberEvents]:
    match command:
        case RegisterSubscriber():
            return [_register(command, state)]
        case RemoveSubscriber():
            require_role(command.actor, SUBSCRIPTION_MANAGERS, "remove a subscriber")
            _require_active(state, command.actor)
            removed = SubscriberRemoved(
                subscriber_id=command.subscriber_id, removed_by=command.actor.id
            )
            return [removed]
        case RequestRedelivery():
            require_role(command.actor, SUBSCRIPTION_MANAGERS, "ask for a redelivery")
            _require_active(state, command.actor)
            return [
                RedeliveryRequested(
                    subscriber_id=command.subscriber_id, release_id=command.release_id,
                    requested_by=command.actor.id,
                )
            ]  # fmt: skip
        case _:
            assert_never(command)


def evolve(state: Subscriber, event: SubscriberEvents) -> Subscriber:
    state = replace(state, version=state.version + 1)
    match event:
        case SubscriberRegistered():
            return replace(state, registered=True, organisation=event.organisation)
        case SubscriberRemoved():
            return replace(state, removed=True)
        case RedeliveryRequested():
            return state
        case _:
            assert_never(event)


def secret_fingerprint(secret: str) -> str:
    """Names a secret without revealing it: operators can tell which one a subscriber has."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def _register(command: RegisterSubscriber, state: Subscriber) -> SubscriberRegistered:
    require_role(command.actor, SUBSCRIPTION_MANAGERS, "register a subscriber")
    if state.registered:
        raise AlreadyRegistered(f"{command.subscriber_id} exists; remove it or pick another id")
    _require_channel(command)
    return SubscriberRegistered(
        subscriber_id=command.subscriber_id, name=command.name, channel=command.channel,
        url=command.url, email=command.email, filters=command.filters,
        secret_fingerprint=secret_fingerprint(command.secret) if command.secret else None,
        registered_by=command.actor.id, organisation=command.actor.organisation,
    )  # fmt: skip


def _require_channel(command: RegisterSubscriber) -> None:
    if command.channel == "email":
        if command.email is None or command.url is not None or command.secret is not None:
            raise InvalidSubscriber("an email subscriber needs `email` and takes no url or secret")
        return
    if command.url is None or command.secret is None or command.email is not None:
        raise InvalidSubscriber("a webhook subscriber needs `url` and `secret`, and no email")
    problem = webhook_url_problem(command.url)
    if problem is not None:
        raise InvalidSubscriber(problem)


def webhook_url_problem(url: str) -> str | None:
    """https anywhere; plain http only to this machine (a receiver under test), never with
    credentials in the URL (they would be logged and stored)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("http", "https"):
        return f"a webhook needs an absolute https URL, not {url!r}"
    if parts.username or parts.password:
        return "put no credentials in the webhook URL: the signature authenticates Pressroom"
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return f"a webhook off this machine needs https, not {url!r}"
    if _is_never_a_receiver(parts.hostname):
        return f"{parts.hostname} is link-local, multicast or unspecified: no webhook lives there"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _is_never_a_receiver(host: str) -> bool:
    """Cloud metadata (169.254.169.254) and the like: a webhook there is an attack, not a
    subscriber. Private addresses stay allowed (an intranet newsroom)."""
    try:
        address = ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_link_local or address.is_multicast or address.is_unspecified


def manages(actor: Actor, owner: str | None) -> bool:
    """Operators manage every subscriber; a press office only its own organisation's."""
    if actor.has_role(OPERATOR):
        return True
    return actor.organisation is not None and actor.organisation == owner


def _require_active(state: Subscriber, actor: Actor) -> None:
    # Another organisation's subscriber gets the answer a missing one gets: ids are not probed.
    if not state.registered or state.removed or not manages(actor, state.organisation):
        raise UnknownSubscriber("no active subscriber has this id; see GET /v1/subscribers")
