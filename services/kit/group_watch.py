"""A consumer that lost its group and does not find it again: noticed, said, and its process
started again by whatever supervises it.

Found by `make chaos` (2026-12-07, docs/reliability.md "A consumer that never found its group
again"): the broker was SIGKILLed three seconds after approval's consumer had joined its group;
the consumer marked the group coordinator dead, asked for it once, and never again, while the
broker answered and every other process recovered. approval read nothing more, and its
/readyz still said ready. Whatever stalls aiokafka's coordinator look-up, a process whose
consumer has had no coordinator for `group_lost_after_s` seconds while a broker answers is not
coming back by itself: it stops (the work in hand finished, as at SIGTERM) and exits with
status 3, and `pressroom up`, compose and Kubernetes start it again. The one cause found so far,
uvloop's RuntimeError ending aiokafka's metadata task, is mended at start
(services/kit/kafka_on_uvloop.py); the watch stays for any other."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from prometheus_client import Gauge

from services.kit.consumer_state import consumer_state

log = structlog.get_logger()
GROUP_CHECK_S = 5.0  # how often the coordinator is looked at (a Python attribute: cheap)
EXIT_GROUP_LOST = 3  # the process's exit status after it stopped for a lost group

GROUP_JOINED = Gauge(
    "pressroom_consumer_group_joined",
    "1 while this process's consumer knows its group coordinator, 0 while it looks for it",
    ["consumer"],
)


@dataclass
class GroupWatch:
    """Decides, from one look after another, when a consumer has lost its group for good."""

    lost_after_s: float
    _looking_since: float | None = None  # first look without a coordinator, a broker answering

    def lost(self, coordinator_known: bool | None, broker_answers: bool, now: float) -> bool:
        """`coordinator_known` None: the consumer has not started yet. A broker that does not
        answer explains a missing coordinator: the time counts only while brokers answer."""
        if coordinator_known is not False or not broker_answers:
            self._looking_since = None
            return False
        if self._looking_since is None:
            self._looking_since = now
        return now - self._looking_since >= self.lost_after_s

    def looking_for_s(self, now: float) -> float:
        return 0.0 if self._looking_since is None else now - self._looking_since


def coordinator_known(consumer: Any) -> bool | None:
    """Whether an AIOKafkaConsumer in a group knows its coordinator; None before it exists.
    aiokafka has no public word for it: faust itself reads `_coordinator` (its tracing)."""
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is None:
        return None
    return getattr(coordinator, "coordinator_id", None) is not None


async def watch_group(
    name: str,
    consumer: Callable[[], Any],
    broker_answers: Callable[[], Awaitable[bool]],
    lost_after_s: float,
    on_lost: Callable[[], None],
) -> None:
    """Looks every GROUP_CHECK_S; once the group is lost for good, says so and calls `on_lost`."""
    watch = GroupWatch(lost_after_s)
    while True:
        await asyncio.sleep(GROUP_CHECK_S)
        known = coordinator_known(consumer())
        GROUP_JOINED.labels(name).set(1 if known else 0)
        # The broker is asked only when the coordinator is missing: a round trip otherwise.
        answers = known is not False or await broker_answers()
        now = time.monotonic()
        if watch.lost(known, answers, now):
            log.error(
                "consumer_group_lost", consumer=name, seconds=round(watch.looking_for_s(now), 1),
                waiting_on=consumer_state(consumer()),
                what_next=f"the process stops and exits with status {EXIT_GROUP_LOST}, to be"
                " started again; if it happens again, look at the broker's group coordinator"
                f" (kafka-consumer-groups.sh --describe --group {name})",
            )  # fmt: skip
            on_lost()
            return


# After SIGTERM a process finishes its work in hand within 30 s (services/serve.py); one that
# does not (its consumer stuck in the same place) is ended here.
STOP_GRACE_S = 40.0


@dataclass
class GroupLoss:
    """What a process does once its group is lost: the SIGTERM path, then exit status 3."""

    happened: bool = False

    def stop_process(self) -> None:
        self.happened = True
        timer = threading.Timer(STOP_GRACE_S, os._exit, args=(EXIT_GROUP_LOST,))
        timer.daemon = True
        timer.start()
        os.kill(os.getpid(), signal.SIGTERM)
