"""The compatibility rules, keyword by keyword: each says whether a change narrows what a schema
accepts (old data may now fail) or widens it (new data may fail an old reader).

Pure and small on purpose: every rule has a pair of fixture schemas in
tests/unit/test_contract_compat.py that it must pass or fail.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any

Schema = dict[str, Any]


class Direction(Enum):
    NARROWS = "narrows"  # the new schema refuses something the old one accepted
    WIDENS = "widens"  # the new schema accepts something the old one refused
    BOTH = "both"  # a different value: breaks readers and writers alike


@dataclass(frozen=True)
class Finding:
    """One change at one JSON path, the rule it falls under, and which way it cuts."""

    path: str
    rule: str
    direction: Direction
    detail: str


UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
EXACT = ("pattern", "format")


def bounds(old: Schema, new: Schema, path: str) -> list[Finding]:
    """A lowered maximum or raised minimum narrows; the reverse (or removing one) widens."""
    found = []
    for key in (*UPPER_BOUNDS, *LOWER_BOUNDS):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        upper = key in UPPER_BOUNDS
        if after is None:
            direction = Direction.WIDENS
        elif before is None or (after < before if upper else after > before):
            direction = Direction.NARROWS
        else:
            direction = Direction.WIDENS
        found.append(Finding(path, f"{key}-changed", direction, f"{key} {before} -> {after}"))
    return found


def exact(old: Schema, new: Schema, path: str) -> list[Finding]:
    """A pattern or format added or changed narrows (no one can prove a regex wider); removed
    widens."""
    found = []
    for key in EXACT:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        direction = Direction.WIDENS if after is None else Direction.NARROWS
        verb = "removed" if after is None else "added" if before is None else "changed"
        found.append(Finding(path, f"{key}-{verb}", direction, f"{key} {before!r} -> {after!r}"))
    return found


def enum(old: Schema, new: Schema, path: str) -> list[Finding]:
    """Removing an enum value narrows; adding one widens (an exhaustive consumer meets it)."""
    if "enum" not in old and "enum" not in new:
        return []
    before, after = old.get("enum"), new.get("enum")
    if before is None:
        return [Finding(path, "enum-added", Direction.NARROWS, f"enum {after}")]
    if after is None:
        return [Finding(path, "enum-removed", Direction.WIDENS, f"enum {before} dropped")]
    found = []
    removed = [v for v in before if v not in after]
    added = [v for v in after if v not in before]
    if removed:
        found.append(Finding(path, "enum-value-removed", Direction.NARROWS, f"{removed}"))
    if added:
        found.append(Finding(path, "enum-value-added", Direction.WIDENS, f"{added}"))
    return found


def const(old: Schema, new: Schema, path: str) -> list[Finding]:
    """A changed constant breaks both ways; `type` and `version` at the root name the message."""
    if old.get("const") == new.get("const"):
        return []
    before, after = old.get("const"), new.get("const")
    rule = {"$.type": "type-changed", "$.version": "version-changed"}.get(path, "const-changed")
    direction = Direction.BOTH
    if before is None:
        direction = Direction.NARROWS
    elif after is None:
        direction = Direction.WIDENS
    return [Finding(path, rule, direction, f"const {before!r} -> {after!r}")]


def default(old: Schema, new: Schema, path: str) -> list[Finding]:
    """A changed default changes what an old record without the field means."""
    if "default" not in old or old.get("default") == new.get("default"):
        return []
    detail = f"default {_text(old.get('default'))} -> {_text(new.get('default'))}"
    return [Finding(path, "default-changed", Direction.BOTH, detail)]


def unique_items(old: Schema, new: Schema, path: str) -> list[Finding]:
    before, after = bool(old.get("uniqueItems")), bool(new.get("uniqueItems"))
    if before == after:
        return []
    direction = Direction.NARROWS if after else Direction.WIDENS
    return [Finding(path, "uniqueItems-changed", direction, f"uniqueItems {before} -> {after}")]


def type_branches(old: Collection[str], new: Collection[str], path: str) -> list[Finding]:
    """Types (the branches of anyOf, `null` among them) removed narrow; types added widen."""
    found = []
    removed = sorted(set(old) - set(new))
    added = sorted(set(new) - set(old))
    if removed:
        found.append(Finding(path, "type-narrowed", Direction.NARROWS, f"no longer {removed}"))
    if added:
        found.append(Finding(path, "type-widened", Direction.WIDENS, f"now also {added}"))
    return found


# Compared on each alternative of a node; `default` sits beside anyOf, so it is compared once
# per node (compat._node).
KEYWORD_RULES = (bounds, exact, enum, const, unique_items)


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
