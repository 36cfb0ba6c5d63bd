"""The checker: once the faults stop and the processes are back, it waits for the stack to settle
(every command answered, every stored event on its topic), reads the World once more and holds
every invariant against it; then it prints the figures."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.kit.settings import Settings
from tests.chaos.faults import FaultInjector
from tests.chaos.invariants import Verdict
from tests.chaos.invariants.approved import only_approved_public
from tests.chaos.invariants.deliveries import deliveries_once_in_order
from tests.chaos.invariants.early import nothing_early
from tests.chaos.invariants.fold import read_models_equal_a_fresh_fold
from tests.chaos.invariants.lost import no_event_lost
from tests.chaos.invariants.order import in_order
from tests.chaos.invariants.outcomes import one_outcome_per_command
from tests.chaos.ledger import Ledger
from tests.chaos.receiver import FlakyReceiver
from tests.chaos.world import World, read_world
from tests.integration.delivery_support import Mailbox

SETTLE_S = 300.0
SETTLING: tuple[Callable[[World], Verdict], ...] = (no_event_lost, one_outcome_per_command)
ALSO: tuple[Callable[[World], Verdict], ...] = (
    only_approved_public, nothing_early, in_order, deliveries_once_in_order,
)  # fmt: skip


async def check(
    settings: Settings, ledger: Ledger, receiver: FlakyReceiver, mailbox: Mailbox
) -> tuple[World, list[Verdict]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_S
    while True:  # a relay or a redelivered command may still be on its way: not yet a loss
        world = await read_world(settings, ledger, receiver.calls, mailbox)
        verdicts = [invariant(world) for invariant in SETTLING]
        if all(not v.violations for v in verdicts) or loop.time() > deadline:
            break
        await asyncio.sleep(5.0)
    verdicts += [invariant(world) for invariant in ALSO]
    verdicts.append(await read_models_equal_a_fresh_fold(settings, world))
    return world, verdicts


def figures(
    seed: int, ledger: Ledger, faults: FaultInjector, world: World, verdicts: list[Verdict]
) -> str:
    events = sum(len(logged) for logged in world.events.values())
    lines = [
        f"chaos seed {seed} (replay: PRESSROOM_CHAOS_SEED={seed})",
        f"commands {len(ledger.commands)}, releases {len(ledger.releases)}, "
        f"events checked {events}, webhook calls {len(world.calls)}, emails {len(world.mails)}",
        "lifecycles: " + _counts(ledger.lifecycles),
        "steps: " + _counts(ledger.steps),
        "faults: " + _counts(faults.counts),
    ]
    for verdict in verdicts:
        lines.append(f"  {verdict.name}: {verdict.checked} checked, "
                     f"{len(verdict.violations)} violations")  # fmt: skip
        lines += [f"    {v}" for v in verdict.violations[:15]]
        if verdict.earlier:
            lines.append(f"    and {len(verdict.earlier)} of earlier runs: {verdict.earlier[:5]}")
    lines.append(f"violations {sum(len(v.violations) for v in verdicts)}")
    lines += ["fault log:"] + [f"  {line}" for line in faults.log]
    return "\n".join(lines)


def _counts(counter: object) -> str:
    items = sorted(dict(counter).items())  # type: ignore[call-overload]
    return ", ".join(f"{name} {count}" for name, count in items) or "none"
