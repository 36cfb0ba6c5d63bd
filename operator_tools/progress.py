"""How long operations report progress without knowing about rich: the CLI passes a sink."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Advance = Callable[[int], None]


class ProgressSink(Protocol):
    """Starts a named task of `total` steps and returns how to advance it."""

    def task(self, description: str, total: int | None) -> Advance: ...


class NoProgress:
    """For tests and library callers: nothing is shown."""

    def task(self, description: str, total: int | None) -> Advance:
        return lambda _: None


SILENT = NoProgress()
