"""The outbox relay: publishes committed outbox rows to Kafka in order, exactly once per row,
and deletes each row once Kafka acked it.

Fenced: one connection holds the relay's advisory lock, LISTENs, and does every read and delete,
so a relay that lost its lock (PostgreSQL restarted) can neither read nor delete a row. When that
connection ends the relay stops publishing and starts over: lock, LISTEN, reconcile.
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass, field

import structlog
from aiokafka import AIOKafkaProducer

from services.kit.crash_points import NO_CRASHES, CrashPoints
from services.kit.db import (
    Connection,
    Pool,
    forget_termination_listener,
    stop_listening,
    takes_session_state,
)
from services.kit.kafka_clients import client_kwargs
from services.kit.limits import PRODUCER_MAX_REQUEST_BYTES
from services.kit.partitioner import PARTITIONER
from services.kit.relay_rows import (
    Sent,
    delete_published,
    pending_rows,
    reconcile_with_kafka,
    set_aside,
)
from services.kit.relay_sends import PartitionBatches
from services.kit.tracing import end_spans, start_sends

log = structlog.get_logger()
BATCH = 500
# Bytes per partition per produce request: a burst of rows goes out in a few requests, not in
# one per 16 KiB (aiokafka's default), each waiting for the one before it to drain.
MAX_BATCH_BYTES = 512 * 1024
# Fallback wake-up in case a NOTIFY was missed; never the normal path (the LISTEN is re-made on
# every reconnect, and a lost connection restarts the relay).
IDLE_POLL_S = 5.0
WAIT_FOR_LOCK_S = 1.0


class LeadershipLost(Exception):
    """The connection holding the relay's lock ended: stop publishing, start over."""


@dataclass
class OutboxRelay:
    """One active relay per schema (advisory lock); others wait to take over."""

    pool: Pool
    schema: str
    bootstrap: str
    notify_channel: str
    crash_points: CrashPoints = NO_CRASHES
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    lost: asyncio.Event = field(default_factory=asyncio.Event)
    led: bool = False  # became the leader at least once: the caller's backoff starts over
    # Leading with its LISTEN made, or a standby waiting for the lock: not degraded (/readyz).
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def lock_key(self) -> int:
        return zlib.crc32(f"relay:{self.schema}".encode())

    async def run(self, stop: asyncio.Event) -> None:
        async with self.pool.acquire() as conn:
            takes_session_state(conn)  # its lock and LISTEN go with the reset on release
            conn.add_termination_listener(self._connection_lost)
            try:
                await self._become_leader(conn, stop)
                await conn.add_listener(self.notify_channel, self._woken)
                self.ready.set()
                producer = _producer(self.bootstrap)
                await producer.start()
                try:
                    await reconcile_with_kafka(conn, self.schema, self.bootstrap)
                    await self._publish_until(conn, stop, producer)
                finally:
                    await producer.stop()
            finally:
                await stop_listening(conn, self.notify_channel, self._woken)
                forget_termination_listener(conn, self._connection_lost)

    def _woken(self, *_: object) -> None:
        self.wake.set()

    def _connection_lost(self, *_: object) -> None:
        self.lost.set()
        self.wake.set()

    async def _become_leader(self, conn: Connection, stop: asyncio.Event) -> None:
        waiting_logged = False
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.lock_key):
            if stop.is_set():
                raise asyncio.CancelledError
            if not waiting_logged:
                log.info("relay_waiting_for_lock", schema=self.schema)
                waiting_logged = True
                self.ready.set()
            await asyncio.sleep(WAIT_FOR_LOCK_S)
        self.led = True
        log.info("relay_leader", schema=self.schema)

    async def _publish_until(
        self, conn: Connection, stop: asyncio.Event, producer: AIOKafkaProducer
    ) -> None:
        while not stop.is_set():
            self._check_leadership()
            self.wake.clear()  # before reading: a commit during the read or the sends wakes it
            published = await self.publish_batch(conn, producer)
            # A read that came back short saw every row committed before it, and a later commit
            # has set `wake` since: reading again at once would find nothing, one statement per
            # batch in every service (issue 15). A full read may have left rows: read on.
            if published < BATCH:
                await _wait_any(self.wake, stop, IDLE_POLL_S)

    def _check_leadership(self) -> None:
        if self.lost.is_set():
            raise LeadershipLost(f"the relay of {self.schema} lost its PostgreSQL connection")

    async def publish_batch(self, conn: Connection, producer: AIOKafkaProducer) -> int:
        """Sends up to BATCH rows in id order, then deletes them in one fenced statement. A row
        Kafka refuses for good is set aside, never retried: no row holds up those behind it."""
        rows = await pending_rows(conn, self.schema, BATCH)
        if not rows:
            return 0
        sent = Sent()
        spans = start_sends(rows)  # services/kit/tracing.py: none unless tracing is on
        batches = PartitionBatches(producer, sent, lambda: _producer(self.bootstrap, False))
        for row in rows:
            self._check_leadership()  # lost mid-batch: send nothing more
            if sent.failure is not None:  # the rest waits, in order, for the next try
                break
            await batches.add(row)
        await batches.finish()
        failure = await sent.settle()
        end_spans(spans, failure)
        # Every ack before deleting: a crash in between is repaired by reconcile_with_kafka.
        self.crash_points.after_publish()
        if sent.refused:
            async with conn.transaction():
                await delete_published(conn, self.schema, self.lock_key, sent.acked)
                await set_aside(conn, self.schema, sent.refused)
        else:  # one fenced statement commits alone: no BEGIN and COMMIT round trips
            await delete_published(conn, self.schema, self.lock_key, sent.acked)
        if failure is not None:  # Kafka away: start over, reconciling what did arrive
            raise failure
        return len(rows)


def _producer(bootstrap: str, idempotent: bool = True) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        **client_kwargs(bootstrap),
        enable_idempotence=idempotent,
        acks="all",
        # No linger: a relay batch is appended whole before the sender runs (send() does not
        # yield), so a linger only delays every hop through an outbox. Dropping the 2 ms it was
        # took 1.3-2.5 ms off an idle POST here, and the 1,000-lift storm was the same either way
        # (861, 696 ms against 868, 660; docs/benchmarks.md, "Quadratic headers").
        linger_ms=0,
        max_batch_size=MAX_BATCH_BYTES,
        # Agrees with the topics' max.message.bytes (services/kit/limits.py).
        max_request_size=PRODUCER_MAX_REQUEST_BYTES,
        partitioner=PARTITIONER,  # the partitions PartitionBatches chose, for `send`'s rows too
    )


async def _wait_any(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    if event.is_set() or stop.is_set():
        return
    waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
