"""Every service's decider in one table: `state --at` folds each service's events with its own
evolve. (Consumer groups are named in services.kit.consumer_groups, not from this table.)"""

from __future__ import annotations

from typing import Any

from services.approval.decider import APPROVAL
from services.drafting.decider import DRAFTING
from services.embargo.decider import EMBARGO
from services.kit.decider import Decider
from services.publication.decider import PUBLICATION

AnyDecider = Decider[Any, Any, Any]

DECIDERS: dict[str, AnyDecider] = {
    "drafting": DRAFTING,
    "approval": APPROVAL,
    "embargo": EMBARGO,
    "publication": PUBLICATION,
}
