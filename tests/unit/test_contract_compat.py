"""The compatibility gate, rule by rule: a pair of schemas (published, current) that must pass or
fail in each mode, and the message a failure gives."""

from __future__ import annotations

from typing import Any

import pytest

from dev_tools.contract.gate import gate

Schema = dict[str, Any]
VERSION = "drafting/Thing.v1"
TEXT = {"type": "string"}
OPTIONAL_TEXT = {"anyOf": [TEXT, {"type": "null"}], "default": None}


def thing(required: tuple[str, ...] = ("name",), closed: bool = False, **fields: Any) -> Schema:
    """A message schema as pydantic writes one: `type` and `version` constants, then fields."""
    schema: Schema = {
        "$id": f"urn:pressroom:schemas:{VERSION}.json",
        "type": "object",
        "properties": {
            "type": {"const": "Thing", "default": "Thing", "type": "string"},
            "version": {"const": 1, "default": 1, "type": "integer"},
            **({"name": TEXT} | fields),
        },
        "required": list(required),
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


def messages(old: Schema, new: Schema, kind: str) -> list[str]:
    verdict = gate({VERSION: old}, {VERSION: new}, {VERSION: kind})
    return [str(breach) for breach in verdict.breaches]


def with_properties(schema: Schema, **changes: Any) -> Schema:
    properties = {k: v for k, v in (schema["properties"] | changes).items() if v is not None}
    return schema | {"properties": properties}


CASES: list[tuple[str, Schema, Schema, str | None, str | None]] = [
    # (why, published, current, FULL (event) message part or None, BACKWARD (command) likewise)
    ("an optional field added", thing(), thing(note=OPTIONAL_TEXT), None, None),
    (
        "an optional field added to a closed object",
        thing(closed=True),
        thing(closed=True, note=OPTIONAL_TEXT),
        "$.note: field-added-to-closed-object",
        None,
    ),
    (
        "a field removed",
        thing(note=TEXT),
        thing(),
        "$.note: field-removed",
        "$.note: field-removed",
    ),
    (
        "a field renamed",
        thing(),
        with_properties(thing(required=("title",)), name=None, title=TEXT),
        "$.name: field-removed",
        "$.name: field-removed",
    ),
    (
        "a required field added",
        thing(),
        thing(required=("name", "note"), note=TEXT),
        "$.note: required-field-added",
        "$.note: required-field-added",
    ),
    (
        "an optional field made required",
        thing(note=TEXT),
        thing(required=("name", "note"), note=TEXT),
        "$.note: field-made-required",
        "$.note: field-made-required",
    ),
    ("a required field made optional", thing(), thing(required=()), "field-made-optional", None),
    (
        "maxLength lowered",
        thing(name=TEXT | {"maxLength": 300}),
        thing(name=TEXT | {"maxLength": 200}),
        "$.name: maxLength-changed: maxLength 300 -> 200",
        "$.name: maxLength-changed",
    ),
    (
        "maxLength raised",
        thing(name=TEXT | {"maxLength": 200}),
        thing(name=TEXT | {"maxLength": 300}),
        "$.name: maxLength-changed: maxLength 200 -> 300",
        None,
    ),
    (
        "minimum raised",
        thing(name={"type": "integer", "minimum": 0}),
        thing(name={"type": "integer", "minimum": 1}),
        "$.name: minimum-changed",
        "$.name: minimum-changed",
    ),
    (
        "a pattern added",
        thing(),
        thing(name=TEXT | {"pattern": "^[a-z]+$"}),
        "$.name: pattern-added",
        "$.name: pattern-added",
    ),
    ("a pattern removed", thing(name=TEXT | {"pattern": "^a"}), thing(), "pattern-removed", None),
    (
        "a format added",
        thing(),
        thing(name=TEXT | {"format": "email"}),
        "$.name: format-added",
        "$.name: format-added",
    ),
    (
        "an enum value removed",
        thing(name={"enum": ["a", "b"], "type": "string"}),
        thing(name={"enum": ["a"], "type": "string"}),
        "$.name: enum-value-removed: ['b']",
        "$.name: enum-value-removed",
    ),
    (
        "an enum value added",
        thing(name={"enum": ["a"], "type": "string"}),
        thing(name={"enum": ["a", "b"], "type": "string"}),
        "$.name: enum-value-added: ['b']",
        None,
    ),
    (
        "a type narrowed (null no longer allowed)",
        thing(note=OPTIONAL_TEXT),
        thing(note=TEXT | {"default": None}),
        "$.note: type-narrowed: no longer ['null']",
        "$.note: type-narrowed",
    ),
    (
        "a type widened (null now allowed)",
        thing(),
        thing(name=OPTIONAL_TEXT | {"default": None}),
        "$.name: type-widened: now also ['null']",
        None,
    ),
    (
        "a type changed",
        thing(),
        thing(name={"type": "integer"}),
        "$.name: type-narrowed: no longer ['string']",
        "$.name: type-narrowed",
    ),
    (
        "the type constant changed",
        thing(),
        with_properties(thing(), type={"const": "Other", "type": "string"}),
        "$.type: type-changed",
        "$.type: type-changed",
    ),
    (
        "the version constant changed",
        thing(),
        with_properties(thing(), version={"const": 2, "default": 2, "type": "integer"}),
        "$.version: version-changed: const 1 -> 2",
        "$.version: version-changed",
    ),
    (
        "the ce_type (the $id naming it) changed",
        thing(),
        thing() | {"$id": "urn:pressroom:schemas:approval/Thing.v1.json"},
        "$: ce_type-changed",
        "$: ce_type-changed",
    ),
    (
        "a default changed",
        thing(note=TEXT | {"default": ""}),
        thing(note=TEXT | {"default": "none"}),
        '$.note: default-changed: default "" -> "none"',
        "$.note: default-changed",
    ),
    (
        "an open object closed",
        thing(),
        thing(closed=True),
        "$: object-closed",
        "$: object-closed",
    ),
    (
        "uniqueItems required",
        thing(tags={"type": "array", "items": TEXT}),
        thing(tags={"type": "array", "items": TEXT, "uniqueItems": True}),
        "$.tags: uniqueItems-changed",
        "$.tags: uniqueItems-changed",
    ),
    (
        "array items narrowed",
        thing(tags={"type": "array", "items": TEXT | {"maxLength": 50}}),
        thing(tags={"type": "array", "items": TEXT | {"maxLength": 40}}),
        "$.tags[*]: maxLength-changed",
        "$.tags[*]: maxLength-changed",
    ),
    (
        "maxItems lowered",
        thing(tags={"type": "array", "items": TEXT, "maxItems": 20}),
        thing(tags={"type": "array", "items": TEXT, "maxItems": 10}),
        "$.tags: maxItems-changed",
        "$.tags: maxItems-changed",
    ),
    (
        "a map's values narrowed",
        thing(labels={"type": "object", "additionalProperties": TEXT}),
        thing(labels={"type": "object", "additionalProperties": {"type": "integer"}}),
        "$.labels.*: type-narrowed",
        "$.labels.*: type-narrowed",
    ),
    (
        "only a title and a description changed",
        thing(),
        with_properties(thing(), name=TEXT | {"title": "Name", "description": "Shown first."}),
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("why", "old", "new", "full", "backward"), CASES, ids=[c[0] for c in CASES]
)
def test_each_rule_passes_or_fails_per_mode_with_its_message(
    why: str, old: Schema, new: Schema, full: str | None, backward: str | None
) -> None:
    for kind, expected in (("event", full), ("command", backward)):
        found = messages(old, new, kind)
        if expected is None:
            assert found == [], f"{why} must pass for a {kind}"
        else:
            assert any(expected in m and m.startswith(f"{VERSION}: ") for m in found), found


def test_a_change_inside_a_shared_model_is_named_at_the_field_through_its_ref() -> None:
    def with_content(max_length: int, def_name: str) -> Schema:
        content = {
            "type": "object",
            "properties": {"title": TEXT | {"maxLength": max_length}},
            "required": ["title"],
            "additionalProperties": False,
        }
        schema = thing(content={"$ref": f"#/$defs/{def_name}"})
        return schema | {"$defs": {def_name: content}}

    renamed_def_only = messages(with_content(300, "Content"), with_content(300, "Body"), "event")
    assert renamed_def_only == []
    narrowed = messages(with_content(300, "Content"), with_content(200, "Content"), "event")
    assert narrowed == [
        f"{VERSION}: $.content.title: maxLength-changed: maxLength 300 -> 200 (breaks FULL)"
    ]


def test_a_recursive_model_is_compared_without_looping() -> None:
    node = {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}, "n": TEXT}}
    schema = thing(tree={"$ref": "#/$defs/Node"}) | {"$defs": {"Node": node}}
    assert messages(schema, schema, "event") == []


def test_a_published_version_that_disappears_fails() -> None:
    verdict = gate({VERSION: thing()}, {}, {})
    assert [str(b) for b in verdict.breaches] == [
        f"{VERSION}: $: version-removed: no longer in the contract (breaks FULL)"
    ]


def test_a_new_version_is_not_a_breach_but_is_listed_as_unpublished() -> None:
    verdict = gate({VERSION: thing()}, {VERSION: thing(), "drafting/Thing.v2": thing()}, {})
    assert verdict.compatible and verdict.unpublished == ["drafting/Thing.v2"]


def test_a_nullable_field_made_plain_is_one_finding_not_a_limit_too() -> None:
    limited = TEXT | {"maxLength": 5}
    old = thing(note={"anyOf": [limited, {"type": "null"}], "default": None})
    new = thing(note=limited | {"default": None})
    assert messages(old, new, "event") == [
        f"{VERSION}: $.note: type-narrowed: no longer ['null'] (breaks FULL)"
    ]
    assert messages(new, old, "command") == []
