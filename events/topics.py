"""Every Kafka topic of Pressroom, one constant each: grep here to find every subscription."""

from __future__ import annotations

DRAFTING_COMMANDS = "pressroom.drafting.commands"
DRAFTING_EVENTS = "pressroom.drafting.events"
DRAFTING_DLQ = "pressroom.drafting.dlq"

APPROVAL_COMMANDS = "pressroom.approval.commands"
APPROVAL_EVENTS = "pressroom.approval.events"
APPROVAL_DLQ = "pressroom.approval.dlq"

EMBARGO_COMMANDS = "pressroom.embargo.commands"
EMBARGO_EVENTS = "pressroom.embargo.events"
EMBARGO_DLQ = "pressroom.embargo.dlq"

PUBLICATION_COMMANDS = "pressroom.publication.commands"
PUBLICATION_EVENTS = "pressroom.publication.events"
PUBLICATION_DLQ = "pressroom.publication.dlq"

# The outcome of every command, keyed by command id: read by the gateway and by bots.
REPLIES = "pressroom.replies"

# The topics the projector folds into read models (all have the same partition count).
EVENT_TOPICS: tuple[str, ...] = (
    DRAFTING_EVENTS,
    APPROVAL_EVENTS,
    EMBARGO_EVENTS,
    PUBLICATION_EVENTS,
)
COMMAND_TOPICS: tuple[str, ...] = (
    DRAFTING_COMMANDS,
    APPROVAL_COMMANDS,
    EMBARGO_COMMANDS,
    PUBLICATION_COMMANDS,
)
DLQ_TOPICS: tuple[str, ...] = (DRAFTING_DLQ, APPROVAL_DLQ, EMBARGO_DLQ, PUBLICATION_DLQ)
ALL_TOPICS: tuple[str, ...] = (*COMMAND_TOPICS, *EVENT_TOPICS, *DLQ_TOPICS, REPLIES)


def events_topic(service: str) -> str:
    return f"pressroom.{service}.events"


def commands_topic(service: str) -> str:
    return f"pressroom.{service}.commands"


def dlq_topic(service: str) -> str:
    return f"pressroom.{service}.dlq"
