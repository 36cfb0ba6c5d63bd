"""Approval's decider: the pure domain bundled for the kit's command handler."""

from __future__ import annotations

from typing import Any

from services.approval import domain
from services.approval.rules import Approval
from services.kit.decider import Decider

APPROVAL: Decider[Any, Any, Approval] = Decider(
    service="approval",
    initial_state=domain.initial_state,
    evolve=domain.evolve,
    decide=domain.decide,
)
