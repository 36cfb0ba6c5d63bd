"""The subscriber's decider: its pure domain bundled for the kit's command handler."""

from __future__ import annotations

from typing import Any

from services.kit.decider import Decider
from services.publication import subscribers
from services.publication.subscribers import Subscriber

SUBSCRIBERS: Decider[Any, Any, Subscriber] = Decider(
    service="publication",
    initial_state=subscribers.initial_state,
    evolve=subscribers.evolve,
    decide=subscribers.decide,
)
