"""The fault injector: every few seconds it SIGKILLs a random process and restarts it; every
third fault is to the infrastructure instead, in turn: PostgreSQL restarted fast, PostgreSQL
restarted immediate (a crash, recovery at start), the Kafka broker SIGKILLed and started again.
Everything it chooses comes from one seeded random generator, so a seed replays the schedule."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field

from dev_tools.infra import kafka, postgres
from dev_tools.infra.processes import is_alive
from tests.chaos.fleet import Fleet

# Kafka last: a broker SIGKILLed takes longest to come back, and a short run should see each.
INFRA_TURNS = ("postgres-fast", "postgres-immediate", "kafka-kill")
INFRA_EVERY = 3
# A broker SIGKILLed recovers its logs at start; on a loaded 2-CPU machine that took over 60 s.
BROKER_START_S = 600.0


@dataclass
class FaultInjector:
    fleet: Fleet
    seed: int
    pause_s: tuple[float, float] = (3.0, 7.0)
    counts: Counter[str] = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    async def run(self, stop: asyncio.Event) -> None:
        started, turn = time.monotonic(), 0
        while not stop.is_set():
            await self._pause(stop, self.random.uniform(*self.pause_s))
            if stop.is_set():
                break
            turn += 1
            kind = self._kind(turn)
            self.log.append(f"{time.monotonic() - started:7.1f}s {kind}")
            await self._do(kind)
            self.counts[kind.split(":")[0]] += 1
            await self.revive(by_itself=True)

    def _kind(self, turn: int) -> str:
        if turn % INFRA_EVERY == 0:
            return INFRA_TURNS[(turn // INFRA_EVERY - 1) % len(INFRA_TURNS)]
        return f"process-kill:{self.random.choice(sorted(self.fleet.processes))}"

    async def _do(self, kind: str) -> None:
        settings = self.fleet.settings
        if kind == "kafka-kill":
            await asyncio.to_thread(_kill_broker, settings)
            await asyncio.to_thread(kafka.up, settings, None, BROKER_START_S)
        elif kind.startswith("postgres-"):
            await asyncio.to_thread(postgres.restart, settings, kind.removeprefix("postgres-"))
        else:
            name = kind.split(":", 1)[1]
            await asyncio.to_thread(self.fleet.kill, name)
            await asyncio.sleep(self.random.uniform(0.0, 2.0))  # down for a moment, by the seed
            await asyncio.to_thread(self.fleet.start, name)

    async def revive(self, by_itself: bool) -> None:
        """Starts every process that is down. One the injector did not kill died by itself
        (issue 12 hole 4: every process should survive its dependencies restarting)."""
        for name in self.fleet.dead():
            if by_itself:
                self.counts["died-by-itself"] += 1
                self.log.append(f"         {name} died by itself")
            await asyncio.to_thread(self.fleet.start, name)

    @staticmethod
    async def _pause(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


def _kill_broker(settings: object) -> None:
    pid = kafka.running_pid(settings)  # type: ignore[arg-type]
    if pid is None:
        return
    os.kill(pid, signal.SIGKILL)
    while is_alive(pid):
        time.sleep(0.05)
