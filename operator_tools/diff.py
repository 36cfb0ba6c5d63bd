"""A readable diff between two revisions of a release's content: field by field, text as lines."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from events.base import Message
from events.content import ReleaseContent

# Short single-line texts read better as "- old / + new" than as a unified diff.
SHORT_TEXT = 80
PREVIEW = 100


@dataclass(frozen=True)
class FieldChange:
    """One content field that changed, and the lines that show how ("- removed", "+ added")."""

    field: str
    before: Any
    after: Any
    lines: tuple[str, ...]


def content_of(event: Message) -> dict[str, Any] | None:
    """The full content an event carries (DraftCreated, DraftRevised), or None."""
    content = getattr(event, "content", None)
    return content.model_dump(mode="json") if isinstance(content, ReleaseContent) else None


def diff_content(before: dict[str, Any] | None, after: dict[str, Any]) -> list[FieldChange]:
    """Every field whose value differs; against None (the first revision) every non-empty one."""
    if before is None:  # the first revision: what each field starts as, in one line
        return [
            FieldChange(name, None, value, (f"+ {_preview(value)}",))
            for name, value in after.items()
            if value not in ("", [], None)
        ]
    return [
        FieldChange(name, before.get(name), value, _lines(before.get(name), value))
        for name, value in after.items()
        if before.get(name) != value
    ]


def _lines(before: Any, after: Any) -> tuple[str, ...]:
    if isinstance(before, str | None) and isinstance(after, str):
        return _text_lines(before or "", after)
    if isinstance(before, list | None) and isinstance(after, list):
        return _list_lines(before or [], after)
    return (f"- {_show(before)}", f"+ {_show(after)}")


def _text_lines(before: str, after: str) -> tuple[str, ...]:
    if "\n" not in before + after and max(len(before), len(after)) <= SHORT_TEXT:
        return tuple(line for line in (_minus(before), f"+ {after}") if line)
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
    # Drop the ---/+++ file headers; keep @@ hunks so a long body shows where it changed.
    return tuple(_spaced(line) for line in diff if not line.startswith(("---", "+++")))


def _spaced(line: str) -> str:
    return line if line.startswith("@@") else f"{line[:1]} {line[1:]}"


def _preview(value: Any) -> str:
    text = " ".join(_show(value).split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def _list_lines(before: list[Any], after: list[Any]) -> tuple[str, ...]:
    removed = [f"- {_show(item)}" for item in before if item not in after]
    added = [f"+ {_show(item)}" for item in after if item not in before]
    return tuple(removed + added) or ("~ same items, new order",)


def _minus(before: str) -> str:
    return f"- {before}" if before else ""


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
