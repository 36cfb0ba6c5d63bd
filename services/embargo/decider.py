"""Embargo's decider: the pure domain bundled for the kit's command handler."""

from __future__ import annotations

from typing import Any

from services.embargo import domain
from services.embargo.rules import Embargo
from services.kit.decider import Decider

EMBARGO: Decider[Any, Any, Embargo] = Decider(
    service="embargo",
    initial_state=domain.initial_state,
    evolve=domain.evolve,
    decide=domain.decide,
)
