"""Which handler takes a record of publication's commands topic: subscriber commands go to the
subscriber's stream, everything else to the release's. Decided on the ce_type header alone; the
handler that takes it decodes (and dead-letters) the body."""

from __future__ import annotations

from events.kafka import KafkaRecord
from events.registry import TypeName, UnknownType
from events.subscribers import RegisterSubscriber, RemoveSubscriber, RequestRedelivery

SUBSCRIBER_COMMANDS = frozenset(
    model.type_name() for model in (RegisterSubscriber, RemoveSubscriber, RequestRedelivery)
)


def is_subscriber_command(record: KafkaRecord) -> bool:
    try:
        return TypeName.parse(record.header("ce_type") or "").name in SUBSCRIBER_COMMANDS
    except UnknownType:
        return False
