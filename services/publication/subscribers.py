"""A subscriber's pure domain: decide and evolve for one subscriber stream. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import assert_never

from events.actor import Actor
from events.replies import OutcomeStatus, Rejection
from events.rules import require_role
from events.subscribers import (
    SUBSCRIPTION_MANAGERS,
    RedeliveryRequested,
    RegisterSubscriber,
    RemoveSubscriber,
    RequestRedelivery,
    SubscriberCommands,
    SubscriberEvents,
    SubscriberRegistered,
    SubscriberRemoved,
    manages,
)
from events.webhook_addresses import url_problem


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


def _register(command: RegisterSubscriber, state: Subscriber) -> SubscriberRegistered:
    require_role(command.actor, SUBSCRIPTION_MANAGERS, "register a subscriber")
    if state.registered:
        raise AlreadyRegistered(f"{command.subscriber_id} exists; remove it or pick another id")
    _require_channel(command)
    return SubscriberRegistered(
        subscriber_id=command.subscriber_id, name=command.name, channel=command.channel,
        url=command.url, email=command.email, filters=command.filters,
        secret_fingerprint=command.secret_fingerprint, registered_by=command.actor.id,
        organisation=command.actor.organisation,
    )  # fmt: skip


def _require_channel(command: RegisterSubscriber) -> None:
    sealed = command.sealed_secret is not None or command.secret_fingerprint is not None
    if command.channel == "email":
        if command.email is None or command.url is not None or sealed:
            raise InvalidSubscriber("an email subscriber needs `email` and takes no url or secret")
        return
    if command.url is None or command.email is not None:
        raise InvalidSubscriber("a webhook subscriber needs `url`, and no email")
    if command.sealed_secret is None or command.secret_fingerprint is None:
        raise InvalidSubscriber(
            "a webhook subscriber needs its secret sealed with the deployment's key "
            "(RegisterSubscriber v2: sealed_secret + secret_fingerprint; POST /v1/subscribers "
            "does it); a v1 command's secret in clear is not accepted"
        )
    problem = url_problem(command.url)
    if problem is not None:
        raise InvalidSubscriber(problem)


def _require_active(state: Subscriber, actor: Actor) -> None:
    # Another organisation's subscriber gets the answer a missing one gets: ids are not probed.
    if not state.registered or state.removed or not manages(actor, state.organisation):
        raise UnknownSubscriber("no active subscriber has this id; see GET /v1/subscribers")
