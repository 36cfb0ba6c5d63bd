"""Compares one published JSON Schema with its current rendering, path by path.

pydantic writes nested models once under `$defs` and points at them with `$ref`; both schemas are
read through their own `$defs`, so a change inside a shared model is named at every field that
uses it (`$.content.title`), and moving a model between `$defs` names changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dev_tools.contract.rules import (
    KEYWORD_RULES,
    Direction,
    Finding,
    Schema,
    default,
    type_branches,
)


@dataclass
class _Side:
    """One schema document, for resolving its local `$ref`s."""

    root: Schema
    expanding: tuple[str, ...] = field(default_factory=tuple)

    def resolve(self, node: Schema) -> tuple[Schema, _Side]:
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            return node, self
        target = self.root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return target | siblings, _Side(self.root, (*self.expanding, ref))

    def recursing(self, node: Schema) -> bool:
        return node.get("$ref") in self.expanding


def compare(old: Schema, new: Schema) -> list[Finding]:
    """Every change between two versions of one message's schema that a reader could notice."""
    found = []
    if old.get("$id") != new.get("$id"):
        detail = f"$id {old.get('$id')!r} -> {new.get('$id')!r}"
        found.append(Finding("$", "ce_type-changed", Direction.BOTH, detail))
    return found + _node(old, new, "$", _Side(old), _Side(new))


def _node(old: Schema, new: Schema, path: str, old_side: _Side, new_side: _Side) -> list[Finding]:
    if old_side.recursing(old) or new_side.recursing(new):
        return []  # a recursive model: its fields were compared one level up
    old, old_side = old_side.resolve(old)
    new, new_side = new_side.resolve(new)
    old_branches, new_branches = _branches(old, old_side), _branches(new, new_side)
    found = type_branches(old_branches, new_branches, path) + default(old, new, path)
    for key in old_branches.keys() & new_branches.keys():
        (a, a_side), (b, b_side) = old_branches[key], new_branches[key]
        found += _branch(a, b, path, a_side, b_side)
    return found


def _branches(node: Schema, side: _Side) -> dict[str, tuple[Schema, _Side]]:
    """The alternatives of a node by what they are: a type name, or `const`/`enum`/`any`."""
    options = node.get("anyOf") or node.get("oneOf") or [node]
    branches = {}
    for option in options:
        resolved, option_side = side.resolve(option)
        kind = resolved.get("type")
        key = kind if isinstance(kind, str) else "const" if "const" in resolved else "any"
        branches[key] = (resolved, option_side)
    return branches


def _branch(old: Schema, new: Schema, path: str, old_side: _Side, new_side: _Side) -> list[Finding]:
    found = [f for rule in KEYWORD_RULES for f in rule(old, new, path)]
    if "properties" in old or "properties" in new:
        found += _object(old, new, path, old_side, new_side)
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        found += _node(old["items"], new["items"], f"{path}[*]", old_side, new_side)
    return found + _extra(old, new, path, old_side, new_side)


def _object(old: Schema, new: Schema, path: str, old_side: _Side, new_side: _Side) -> list[Finding]:
    before, after = old.get("properties", {}), new.get("properties", {})
    was_required, is_required = set(old.get("required", [])), set(new.get("required", []))
    closed = old.get("additionalProperties") is False
    found = []
    for name in before:
        at = f"{path}.{name}"
        if name not in after:
            hint = "gone (a rename is a removal plus an addition)"
            found.append(Finding(at, "field-removed", Direction.BOTH, hint))
            continue
        found += _node(before[name], after[name], at, old_side, new_side)
        if name in is_required and name not in was_required:
            found.append(Finding(at, "field-made-required", Direction.NARROWS, "now required"))
        if name in was_required and name not in is_required:
            found.append(Finding(at, "field-made-optional", Direction.WIDENS, "may be absent"))
    for name in after.keys() - before.keys():
        at = f"{path}.{name}"
        if name in is_required:
            found.append(Finding(at, "required-field-added", Direction.NARROWS, "new, required"))
        elif closed:
            detail = "new field in an object that refuses unknown fields"
            found.append(Finding(at, "field-added-to-closed-object", Direction.WIDENS, detail))
    return found


def _extra(old: Schema, new: Schema, path: str, old_side: _Side, new_side: _Side) -> list[Finding]:
    """additionalProperties: closing an open object narrows, opening a closed one widens; a map's
    value schema is compared like a field's."""
    before, after = old.get("additionalProperties", True), new.get("additionalProperties", True)
    if isinstance(before, dict) and isinstance(after, dict):
        return _node(before, after, f"{path}.*", old_side, new_side)
    if before == after or isinstance(before, dict) or isinstance(after, dict):
        return [] if before == after else [_extra_changed(path, before, after)]
    if after is False:
        return [Finding(path, "object-closed", Direction.NARROWS, "unknown fields now refused")]
    return [Finding(path, "object-opened", Direction.WIDENS, "unknown fields now accepted")]


def _extra_changed(path: str, before: Any, after: Any) -> Finding:
    detail = f"additionalProperties {before!r} -> {after!r}"
    return Finding(path, "additionalProperties-changed", Direction.BOTH, detail)
