"""One release's whole life, as a seeded plan: create, revise, submit, approve; then either an
embargo a few seconds ahead (with, now and then, a publish sent straight after it: it must not
win) or a publish now; then, by chance, a correction (revise, submit, approve, a major edition),
a withdrawal and an unpublishing. A step that does not succeed in time ends the lifecycle."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from tests.chaos.ledger import Ledger


class Steps(Protocol):
    driver: str

    async def create(self) -> bool: ...
    async def revise(self, summary: str) -> bool: ...
    async def submit(self) -> bool: ...
    async def approve(self) -> bool: ...
    async def embargo(self, lift_at: datetime) -> bool: ...
    async def publish(self, major: bool, again: bool = True) -> bool: ...
    async def correct(self) -> bool: ...
    async def withdraw(self) -> bool: ...
    async def unpublish(self) -> bool: ...


Plan = list[tuple[str, Callable[[], Awaitable[bool]]]]


def plan_for(steps: Steps, rng: random.Random) -> Plan:
    plan: Plan = [
        ("create", steps.create),
        ("revise", lambda: steps.revise("Revised once.")),
        ("submit", steps.submit),
        ("approve", steps.approve),
    ]
    if rng.random() < 0.5:
        lift_in = rng.uniform(3.0, 10.0)
        plan.append(("embargo", lambda: steps.embargo(_seconds_ahead(lift_in))))
        if rng.random() < 0.5:  # the race: a publish right behind the embargo must not win
            plan.append(("publish-under-embargo", lambda: steps.publish(False, False)))
    else:
        plan.append(("publish", lambda: steps.publish(False)))
    if rng.random() < 0.7:
        plan += [
            ("correct", steps.correct),
            ("revise", lambda: steps.revise("Corrected.")),
            ("submit", steps.submit),
            ("approve", steps.approve),
            ("publish-major", lambda: steps.publish(True)),
        ]
    if rng.random() < 0.6:
        plan.append(("withdraw", steps.withdraw))
        if rng.random() < 0.6:
            plan.append(("unpublish", steps.unpublish))
    return plan


async def live(steps: Steps, rng: random.Random, ledger: Ledger) -> None:
    for name, step in plan_for(steps, rng):
        done = await step()
        ledger.step(name, "accepted" if done else "not accepted")
        if not done and name != "publish-under-embargo":
            ledger.lifecycles[f"{steps.driver} ended at {name}"] += 1
            return
    ledger.lifecycles[f"{steps.driver} complete"] += 1


def _seconds_ahead(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
