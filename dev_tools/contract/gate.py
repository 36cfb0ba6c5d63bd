"""The compatibility gate: every published version (`<service>/<Name>.v<N>`) against its current
schema, in the mode its kind calls for.

- Events and replies: FULL. Consumers of the published version read what is written now
  (forward), and consumers built on the current contract read every event already in the log
  (backward). Only an optional field added to an open object passes.
- Commands: BACKWARD. The service, on the current contract, still accepts every command a client
  built on the published version sends; accepting more (a new optional field, a wider limit,
  a new enum value) passes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from dev_tools.contract.compat import compare
from dev_tools.contract.rules import Direction, Finding, Schema


class Mode(Enum):
    FULL = "FULL"
    BACKWARD = "BACKWARD"


BREAKING = {
    Mode.FULL: {Direction.NARROWS, Direction.WIDENS, Direction.BOTH},
    Mode.BACKWARD: {Direction.NARROWS, Direction.BOTH},
}


def mode_of(kind: str) -> Mode:
    """Commands are read by Pressroom alone; anything else is read by consumers we do not know."""
    return Mode.BACKWARD if kind == "command" else Mode.FULL


@dataclass(frozen=True)
class Breach:
    """A published version that the current contract breaks, and where."""

    version: str
    mode: Mode
    finding: Finding

    def __str__(self) -> str:
        f = self.finding
        return f"{self.version}: {f.path}: {f.rule}: {f.detail} (breaks {self.mode.value})"


@dataclass(frozen=True)
class Verdict:
    breaches: list[Breach]
    unpublished: list[str]  # current versions the baseline does not hold yet
    checked: int

    @property
    def compatible(self) -> bool:
        return not self.breaches


def gate(baseline: dict[str, Schema], current: dict[str, Schema], kinds: dict[str, str]) -> Verdict:
    """Compares every baseline version with the current one; a version may never disappear."""
    breaches = []
    for version, published in sorted(baseline.items()):
        mode = mode_of(kinds.get(version, "event"))
        if version not in current:
            gone = Finding("$", "version-removed", Direction.BOTH, "no longer in the contract")
            breaches.append(Breach(version, mode, gone))
            continue
        breaches += [
            Breach(version, mode, finding)
            for finding in compare(published, current[version])
            if finding.direction in BREAKING[mode]
        ]
    unpublished = sorted(current.keys() - baseline.keys())
    return Verdict(breaches, unpublished, checked=len(baseline))


def read_folder(folder: Path) -> dict[str, Schema]:
    """`<service>/<Name>.v<N>` → its JSON Schema, for every schema file under `folder`."""
    return {
        path.relative_to(folder).with_suffix("").as_posix(): json.loads(path.read_bytes())
        for path in sorted(folder.glob("*/*.json"))
    }


def publish(baseline: Path, current: dict[str, str]) -> list[str]:
    """Writes the current schema text of every version into the baseline (the release step);
    never deletes one. Returns the versions written for the first time."""
    fresh = []
    for version, text in current.items():
        path = baseline / f"{version}.json"
        if not path.exists():
            fresh.append(version)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return sorted(fresh)
