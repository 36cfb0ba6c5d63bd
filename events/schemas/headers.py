"""Schemas of the Kafka headers: the CloudEvents attributes, and why a record was dead-lettered."""

from __future__ import annotations

from typing import Any

from events.base import Message
from events.envelope import source_of
from events.kafka import CONTENT_TYPE, REQUIRED

Schema = dict[str, Any]

# Headers Pressroom always writes on events and replies (commands come from outside: see below).
WRITTEN = (*REQUIRED, "ce_time", "ce_subject", "ce_dataschema", "ce_correlationid", "ce_actor")
# What decode needs from a command's sender; it fills in the rest (kafka.decode).
COMMAND_REQUIRED = (*REQUIRED, "ce_time")

CLOUDEVENT_HEADERS: Schema = {
    "type": "object",
    "description": "CloudEvents 1.0 attributes in the Kafka protocol binding, binary mode. "
    "Header values are UTF-8 strings. Other headers may be present.",
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {
            "type": "string",
            "description": "Unique per source. An event's id is derived from the command id and "
            "its position, so a re-published event has the same id.",
        },
        "ce_source": {"type": "string", "format": "uri-reference"},
        "ce_type": {"type": "string", "pattern": r"^pressroom\.[a-z]+\.[A-Za-z]+\.v[0-9]+$"},
        "ce_time": {"type": "string", "format": "date-time", "description": "RFC 3339, UTC."},
        "ce_subject": {"type": "string", "description": "The release id (the record key)."},
        "ce_dataschema": {
            "type": "string",
            "format": "uri",
            "description": "urn:pressroom:schemas:<path>: the JSON Schema at schemas/<path>.",
        },
        "ce_sequence": {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": (
                "Events only: the stream version this event got, zero-padded to 10 digits"
                " so it sorts as a string."
            ),
        },
        "ce_correlationid": {"type": "string", "description": "The id of the first command."},
        "ce_causationid": {"type": "string", "description": "The id of the message causing it."},
        "ce_actor": {"type": "string", "description": "Who: the authenticated principal's id."},
        "ce_traceparent": {
            "type": "string",
            "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}",
            "description": "Optional, the distributed-tracing extension: the W3C traceparent of"
            " the trace this message belongs to. Passed on from command to events.",
        },
        "ce_tracestate": {
            "type": "string",
            "maxLength": 512,
            "description": "Optional, with ce_traceparent: the W3C tracestate.",
        },
        "content-type": {"type": "string", "const": CONTENT_TYPE},
    },
    "additionalProperties": {"type": "string"},
}


def message_headers(model: type[Message]) -> Schema:
    """The CloudEvents headers narrowed to one message: its ce_type, dataschema, requirements."""
    narrowed: Schema = {
        "ce_type": {"const": model.ce_type()},
        "ce_dataschema": {"const": model.dataschema()},
    }
    required: tuple[str, ...] = WRITTEN
    if model.kind == "command":
        required = COMMAND_REQUIRED
    elif model.kind == "event":
        narrowed["ce_source"] = {"const": source_of(model.service)}
        required = (*WRITTEN, "ce_sequence")
    else:
        narrowed["ce_subject"] = {"description": "The command id (the record key)."}
    return {
        "type": "object",
        "allOf": [{"$ref": "#/components/schemas/CloudEventHeaders"}],
        "required": list(required),
        "properties": narrowed,
    }


# Appended by the DLQ writer (services/kit/dlq.py) after the original headers, kept untouched.
DLQ_HEADERS: Schema = {
    "type": "object",
    "required": [
        "pressroom_dlq_reason",
        "pressroom_dlq_source_topic",
        "pressroom_dlq_source_partition",
        "pressroom_dlq_source_offset",
        "pressroom_dlq_failed_at",
    ],
    "properties": {
        "pressroom_dlq_reason": {
            "type": "string",
            "description": "Why the record could not be handled, e.g. the decode error.",
        },
        "pressroom_dlq_source_topic": {"type": "string"},
        "pressroom_dlq_source_partition": {"type": "string", "pattern": "^[0-9]+$"},
        "pressroom_dlq_source_offset": {"type": "string", "pattern": "^[0-9]+$"},
        "pressroom_dlq_failed_at": {"type": "string", "format": "date-time"},
    },
    "additionalProperties": {"type": "string"},
}
