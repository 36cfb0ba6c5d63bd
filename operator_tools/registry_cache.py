"""The contract's registry with its look-ups memoised: a rebuild decodes every event of the log,
and finding a type's latest version by scanning every model was a tenth of that work."""

from __future__ import annotations

from dataclasses import dataclass, field

from events.base import Message
from events.catalog import REGISTRY
from events.registry import Registry


@dataclass
class MemoisedRegistry(Registry):
    """Same models, same upcasters, same answers; `latest` remembered per (service, name)."""

    _latest: dict[tuple[str, str], type[Message]] = field(default_factory=dict)

    def latest(self, service: str, name: str) -> type[Message]:
        key = (service, name)
        if key not in self._latest:
            self._latest[key] = super().latest(service, name)
        return self._latest[key]


def memoised(registry: Registry = REGISTRY) -> MemoisedRegistry:
    """A snapshot of `registry` (models registered later are not seen)."""
    return MemoisedRegistry(models=dict(registry.models), upcasters=dict(registry.upcasters))


FAST_REGISTRY = memoised()
