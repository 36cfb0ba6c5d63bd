"""Drafting's decider: the pure domain bundled for the kit's command handler."""

from __future__ import annotations

from typing import Any

from services.drafting import domain
from services.kit.decider import Decider

DRAFTING: Decider[Any, Any, domain.Draft] = Decider(
    service="drafting",
    initial_state=domain.initial_state,
    evolve=domain.evolve,
    decide=domain.decide,
)
