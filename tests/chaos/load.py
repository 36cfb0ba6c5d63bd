"""The load generator: workers living lifecycles one after another, half over HTTP, half
through the bot, until told to stop; and the subscribers that hear this run's releases (webhooks
on the flaky receiver, and an email address on the tests' SMTP server)."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass

from events.content import ReleaseContent
from tests.chaos.bot import Bot
from tests.chaos.http_driver import HttpDriver
from tests.chaos.http_steps import HttpSteps
from tests.chaos.kafka_steps import KafkaSteps
from tests.chaos.ledger import Ledger
from tests.chaos.lifecycle import Steps, live
from tests.chaos.receiver import FlakyReceiver
from tests.sealing_support import SECRET

STEP_S = 150.0  # one step's patience: faults, an embargo's lift, a slow machine
WEBHOOKS = 3


@dataclass
class Load:
    bot: Bot
    http: HttpDriver
    ledger: Ledger
    seed: int
    workers: int = 4

    async def subscribe(self, receiver: FlakyReceiver) -> str:
        """Webhooks and an email address for this run's topic; returns the address."""
        address = f"chaos-{uuid.uuid4().hex[:8]}@news.example"
        channels = [
            {"channel": "webhook", "url": receiver.url(f"hook-{n}"), "secret": SECRET}
            for n in range(WEBHOOKS)
        ] + [{"channel": "email", "email": address}]
        deadline = asyncio.get_running_loop().time() + STEP_S
        for channel in channels:
            body = {"name": "Chaos", "filters": {"topics": [self.ledger.topic]}, **channel}
            answer = await self.http.call("carol", "POST", "/v1/subscribers", deadline, json=body)
            assert answer is not None and answer.status_code == 201, answer and answer.text
            self.ledger.subscribers[answer.json()["subscriber_id"]] = str(channel["channel"])
        return address

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._worker(n, stop) for n in range(self.workers)))

    async def _worker(self, number: int, stop: asyncio.Event) -> None:
        rng = random.Random(f"{self.seed}-{number}")
        count = 0
        while not stop.is_set():
            count += 1
            content = ReleaseContent(
                title=f"Chaos {self.seed} worker {number} release {count}",
                body="Talks under faults.", organisations=["fco"], topics=[self.ledger.topic],
            )  # fmt: skip
            steps: Steps = (
                HttpSteps(self.http, content, STEP_S)
                if number % 2 == 0
                else KafkaSteps(self.bot, content, STEP_S)
            )
            await live(steps, rng, self.ledger)
