"""The AsyncAPI 3.0.0 document of every Pressroom topic, from Pressroom's point of view."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import yaml

from events.base import Message
from events.envelope import Envelope
from events.kafka import encode
from events.schemas.examples import examples
from events.schemas.headers import CLOUDEVENT_HEADERS, DLQ_HEADERS, message_headers
from events.schemas.json_schema import description_of, title_of, topic_of
from events.topics import DLQ_TOPICS, EVENT_TOPICS, REPLIES

Doc = dict[str, Any]
KAFKA_BINDING = "0.5.0"
INFO_VERSION = "0.1.0"  # bump with the contract: a new message, a new version, a new topic
LOCAL_BROKER = "127.0.0.1:19092"  # the local stack's defaults (PRESSROOM_KAFKA_HOST/PORT)
DEAD_LETTER = "pressroom.DeadLetter"
DESCRIPTION = (
    "Pressroom drafts, approves, embargoes and publishes press releases. Every message is a "
    "CloudEvent in the Kafka protocol binding, binary mode: the attributes travel as `ce_` "
    "headers and the record value is the JSON `data`, described by the JSON Schema named in "
    "`ce_dataschema` (schemas/<service>/<Name>.v<N>.json beside this file). See docs/contract.md."
)


def channel_id(topic: str) -> str:
    return topic.removeprefix("pressroom.")


def asyncapi(models: Iterable[type[Message]], topics: Iterable[str]) -> Doc:
    """The whole document: info, the local server, one channel and one operation per topic."""
    by_id = {model.ce_type(): model for model in models}
    by_topic = _ids_by_topic(by_id, topics)
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Pressroom", "version": INFO_VERSION, "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": LOCAL_BROKER,
                "protocol": "kafka",
                "description": "The single broker of the local stack (`pressroom infra up`).",
            }
        },
        "channels": {channel_id(t): _channel(t, ids) for t, ids in by_topic.items()},
        "operations": dict(_operation(t, ids) for t, ids in by_topic.items()),
        "components": {
            "schemas": {"CloudEventHeaders": CLOUDEVENT_HEADERS},
            "messages": _messages(by_id, by_topic),
        },
    }


def render_yaml(document: Doc) -> str:
    """Stable YAML: the document's own key order, block style, UTF-8, one trailing newline."""
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return text if text.endswith("\n") else text + "\n"


def _ids_by_topic(by_id: dict[str, type[Message]], topics: Iterable[str]) -> dict[str, list[str]]:
    """Topic → message ids, in topic order; a model on an undeclared topic is a contract bug."""
    by_topic: dict[str, list[str]] = {topic: [] for topic in topics}
    for message_id, model in by_id.items():
        if topic_of(model) not in by_topic:
            raise ValueError(f"{message_id} travels on {topic_of(model)}, not in topics.py")
        by_topic[topic_of(model)].append(message_id)
    for topic in DLQ_TOPICS:
        if topic in by_topic:
            by_topic[topic].append(DEAD_LETTER)
    return by_topic


def _channel(topic: str, message_ids: list[str]) -> Doc:
    kafka: Doc = {"topic": topic}
    if topic in EVENT_TOPICS:
        # Events are the log of record: kept for ever, never compacted.
        kafka["topicConfiguration"] = {"cleanup.policy": ["delete"], "retention.ms": -1}
    return {
        "address": topic,
        "title": topic,
        "description": _CHANNEL_TEXT[topic.rsplit(".", 1)[-1]],
        "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in message_ids},
        "bindings": {"kafka": kafka | {"bindingVersion": KAFKA_BINDING}},
    }


_CHANNEL_TEXT = {
    "commands": "Commands to one service, keyed by release id; the outcome follows on replies.",
    "events": "What happened to each release, keyed by release id, in stream order.",
    "replies": "The outcome of every command, keyed by command id.",
    "dlq": "Records a consumer could not handle: the original key and value, and why.",
}


def _operation(topic: str, message_ids: list[str]) -> tuple[str, Doc]:
    # Pressroom receives commands and sends everything else.
    action = "receive" if topic.endswith(".commands") else "send"
    channel = channel_id(topic)
    name = action + "".join(part.capitalize() for part in channel.split("."))
    operation: Doc = {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{m}"} for m in message_ids],
    }
    if action == "receive" and topic != REPLIES:
        operation["reply"] = {"channel": {"$ref": f"#/channels/{channel_id(REPLIES)}"}}
    return name, operation


def _messages(by_id: dict[str, type[Message]], by_topic: dict[str, list[str]]) -> Doc:
    ids = [m for message_ids in by_topic.values() for m in message_ids]
    stories = examples()
    return {
        m: _dead_letter() if m == DEAD_LETTER else _message(by_id[m], stories.get(m))
        for m in dict.fromkeys(ids)  # the dead letter sits on every DLQ channel: once here
    }


def _message(model: type[Message], example: Envelope[Message] | None) -> Doc:
    key = "command id" if model.kind == "reply" else "release id"
    if "subscriber_id" in model.model_fields and "release_id" not in model.model_fields:
        key = "subscriber id"  # a subscriber is a stream of its own
    if model.type_name() == "RequestRedelivery":
        key = "subscriber id"  # its release_id only narrows what is redelivered
    message: Doc = {
        "name": model.type_name(),
        "title": title_of(model),
        "summary": f"{model.kind.capitalize()} {model.ce_type()}",
        "description": description_of(model),
        "contentType": "application/json",
        "tags": _tags(model),
        "headers": message_headers(model),
        "payload": {"$ref": f"./{model.schema_path()}"},
        "correlationId": {"location": "$message.header#/ce_correlationid"},
        "bindings": {"kafka": _key(f"The {key}, UTF-8.")},
    }
    if example is not None:
        message["examples"] = [_example(example)]
    return message


def _tags(model: type[Message]) -> list[Doc]:
    """Its kind and service; `deprecated`, saying why and until when, on a retiring version."""
    tags: list[Doc] = [{"name": model.kind}, {"name": model.service}]
    if model.deprecation:
        tags.append({"name": "deprecated", "description": model.deprecation})
    return tags


def _example(envelope: Envelope[Message]) -> Doc:
    """The headers and value exactly as encode() writes them."""
    record = encode(envelope)
    return {
        "name": envelope.data.type_name(),
        "headers": {name: (value or b"").decode("utf-8") for name, value in record.headers},
        "payload": json.loads(record.value or b"null"),
    }


def _dead_letter() -> Doc:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A record a consumer could not handle, with the reason.",
        "description": "The value is the original record's bytes, unchanged (often, but not "
        "always, JSON). The key is the original key.",
        "contentType": "application/octet-stream",
        "headers": DLQ_HEADERS,
        "payload": {"type": "string", "format": "binary"},
        "bindings": {"kafka": _key("The original record's key, unchanged.")},
    }


def _key(description: str) -> Doc:
    return {"key": {"type": "string", "description": description}, "bindingVersion": KAFKA_BINDING}
