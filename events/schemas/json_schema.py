"""One JSON Schema 2020-12 document per registered message model and version."""

from __future__ import annotations

import json
from typing import Any

from events.base import Message
from events.topics import REPLIES, commands_topic, events_topic

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def topic_of(model: type[Message]) -> str:
    """The topic that carries a model: its service's commands or events, or the replies."""
    if model.kind == "command":
        return commands_topic(model.service)
    if model.kind == "event":
        return events_topic(model.service)
    if model.kind == "reply":
        return REPLIES
    raise ValueError(f"{model.__name__} has unknown kind {model.kind!r}")


def title_of(model: type[Message]) -> str:
    return f"{model.type_name()} v{model.type_version()}"


def description_of(model: type[Message]) -> str:
    """What the message is and where it travels, then the model's own docstring if it has one."""
    text = f"{model.kind.capitalize()} `{model.ce_type()}`, carried on `{topic_of(model)}`."
    # Only a docstring written on the class itself: pydantic's BaseModel ones say nothing useful.
    own = model.__dict__.get("__doc__")
    return f"{text} {' '.join(own.split())}" if own else text


def json_schema(model: type[Message]) -> dict[str, Any]:
    """The model's schema with `$schema`, `$id` (its dataschema URN), a title and a description."""
    # Validation mode: the schema says what Pressroom accepts, so a bot can validate a command
    # before sending it, and whatever Pressroom writes (model_dump output) is valid input too.
    schema = model.model_json_schema(mode="validation")
    schema.pop("title", None)
    schema.pop("description", None)
    header: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": model.dataschema(),
        "title": title_of(model),
        "description": description_of(model),
    }
    if model.deprecation:
        header["deprecated"] = True
        header["description"] += f" Deprecated: {model.deprecation}"
    return header | schema


def render_json(document: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indent, UTF-8 as is, one trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
