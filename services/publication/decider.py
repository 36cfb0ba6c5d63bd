"""Publication's decider: the pure domain bundled for the kit's command handler."""

from __future__ import annotations

from typing import Any

from services.kit.decider import Decider
from services.publication import domain
from services.publication.rules import Publication

PUBLICATION: Decider[Any, Any, Publication] = Decider(
    service="publication",
    initial_state=domain.initial_state,
    evolve=domain.evolve,
    decide=domain.decide,
)
