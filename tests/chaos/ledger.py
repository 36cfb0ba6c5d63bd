"""What the load did, for the checker and the figures: every release it made, every command id
that reached a command topic (sent by the bot, or by the gateway for an HTTP request), and how
each step and lifecycle ended."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Ledger:
    topic: str  # the releases' topic: the chaos subscribers hear this run's releases only
    releases: dict[str, str] = field(default_factory=dict)  # release id -> "http" or "kafka"
    commands: dict[str, str] = field(default_factory=dict)  # command id -> command type
    steps: Counter[str] = field(default_factory=Counter)  # "<step> <ending>"
    lifecycles: Counter[str] = field(default_factory=Counter)  # "<driver> <how far>"
    subscribers: dict[str, str] = field(default_factory=dict)  # subscriber id -> channel

    def step(self, name: str, ending: str) -> None:
        self.steps[f"{name} {ending}"] += 1


def key_text(key: bytes | None) -> str:
    """A record's key as the ledger's ids are written: text, whatever the bytes. The topics may
    hold anything (a poison run before this one on the same stack left random-byte keys)."""
    return (key or b"").decode("utf-8", "replace")
