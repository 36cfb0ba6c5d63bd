"""Every service's decider in one table: `state --at` folds each service's events with its own
evolve. Publication joins as soon as its decider module exists."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from services.approval.decider import APPROVAL
from services.drafting.decider import DRAFTING
from services.embargo.decider import EMBARGO
from services.kit.decider import Decider

AnyDecider = Decider[Any, Any, Any]


def _optional(module: str, name: str) -> AnyDecider | None:
    """The decider if its module exists; a module that exists but fails to import still fails."""
    try:
        found = import_module(module)
    except ModuleNotFoundError as error:
        if error.name is not None and module.startswith(error.name):
            return None
        raise
    decider: AnyDecider = getattr(found, name)
    return decider


def _table() -> dict[str, AnyDecider]:
    deciders: dict[str, AnyDecider] = {
        "drafting": DRAFTING,
        "approval": APPROVAL,
        "embargo": EMBARGO,
    }
    publication = _optional("services.publication.decider", "PUBLICATION")
    if publication is not None:
        deciders["publication"] = publication
    return deciders


DECIDERS: dict[str, AnyDecider] = _table()
