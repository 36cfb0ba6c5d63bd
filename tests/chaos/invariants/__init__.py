"""The architecture's invariants, one file each, held against the World the checker read. Each
returns its violations (empty: it holds) and how many things it checked."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Verdict:
    name: str
    checked: int = 0
    violations: list[str] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)  # found, but not of this run

    def fail(self, what: str) -> None:
        self.violations.append(what)
