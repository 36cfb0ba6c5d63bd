"""Whole releases through the stack over HTTP, as the demo users would drive them: alice creates,
revises and submits, erin (policy) and frank (legal) approve the revision submitted, carol
embargoes it one second ahead, and it goes public by itself at the lift. Timed from the first
create until the last release is in projections.public_feed. `concurrency` releases in flight from
create to embargo set; the lift is waited for outside that limit (one watcher polls the feed)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
from rich.progress import Progress, TaskID

from dev_tools.bench.drafting import BenchFailed, content
from dev_tools.bench.http_steps import (
    POLL_S,
    STEP_TIMEOUT_S,
    again_if_cut,
    clients,
    outcome,
    settled,
)
from dev_tools.bench.raw import Latencies
from services.kit.settings import Settings

NOT_APPROVED_YET = "urn:pressroom:problem:release-not-approved"  # embargo has not heard yet
TOO_LATE = "urn:pressroom:problem:invalid-embargo"  # lift_at was past when embargo decided
EMBARGO_AHEAD_S = 1.0
PUBLIC_SQL = "SELECT release_id FROM projections.public_feed WHERE release_id = ANY($1::text[])"


@dataclass(frozen=True)
class LifecycleResult:
    """Releases public per second, each one's create→public time, and the failures."""

    releases: int
    seconds: float  # first create → last release public
    to_public: Latencies
    failures: list[str]
    public_span_s: float = 0.0  # first release public → last release public
    # CPU seconds of each stack process while it ran (filled by `run.with_stack_cpu`)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        """End to end, the ramp-up and the last embargo second included."""
        published = len(self.to_public.samples_ms)
        return published / self.seconds if self.seconds > 0 else float("nan")

    @property
    def sustained(self) -> float:
        """The rate releases arrive in the public feed once they flow (first to last). Arrivals
        are seen by a watcher polling every POLL_S, so releases made public within one poll look
        simultaneous (a few releases lifted together do): a span shorter than a poll is taken
        as one poll, and the rate is then a lower bound, never an infinite or missing one."""
        published = len(self.to_public.samples_ms)
        if published < 2:
            return float("nan")
        return (published - 1) / max(self.public_span_s, POLL_S)

    def cpu_ms_per_release(self) -> dict[str, float]:
        """Each stack process's CPU per release that reached the public feed."""
        published = len(self.to_public.samples_ms)
        return {name: s * 1000 / published for name, s in self.cpu.items()} if published else {}


async def pending_approval(http: aiohttp.ClientSession, release_id: str) -> dict[str, Any]:
    """The approval request once approval has opened it (it hears the submission on Kafka)."""
    while True:
        got = await again_if_cut(http, "GET", f"/v1/releases/{release_id}")
        approval = (got.json() if got.status == 200 else {}).get("approval") or {}
        if approval.get("status") == "pending":
            return {"revision": approval["revision"], "content_hash": approval["content_hash"]}
        await asyncio.sleep(POLL_S)


async def embargo_ahead(carol: aiohttp.ClientSession, release_id: str, ahead_s: float) -> None:
    """Refused with not-approved until embargo has heard the approval: asked again."""
    url = f"/v1/releases/{release_id}/embargo"
    while True:
        lift_at = datetime.now(UTC) + timedelta(seconds=ahead_s)
        answer = await outcome(carol, "PUT", url, json={"lift_at": lift_at.isoformat()})
        if answer.status == 200:
            return
        if answer.status == 422 and answer.json().get("type") == TOO_LATE:
            raise BenchFailed(
                f"the SetEmbargo took over {ahead_s:g} s to reach embargo ({answer.text[:200]}):"
                " on a slow machine give it more time with --embargo-ahead"
            )
        if answer.status != 409 or answer.json().get("type") != NOT_APPROVED_YET:
            raise BenchFailed(f"PUT {url} answered {answer.status}: {answer.text[:300]}")
        await asyncio.sleep(POLL_S)


async def one_release(users: dict[str, Any], i: int, ahead_s: float = EMBARGO_AHEAD_S) -> str:
    """Create, revise, submit, two approvals, embargo: the release then publishes at its lift."""
    alice = users["alice"]
    body = {"content": content(i, "fco").model_dump(mode="json")}
    body["content"]["title"] += f" {uuid.uuid4().hex[:8]}"  # a slug of its own
    created = await settled(alice, "POST", "/v1/releases", expected=201, json=body)
    path = f"/v1/releases/{created.json()['release_id']}"
    revised = await settled(alice, "PATCH", path, json={"topics": ["Benchmark"]},
                            headers={"If-Match": created.headers["ETag"]})  # fmt: skip
    await settled(alice, "POST", f"{path}/submit", headers={"If-Match": revised.headers["ETag"]})
    release_id = path.rsplit("/", 1)[1]
    reviewed = await pending_approval(alice, release_id)
    for approver, stage in (("erin", "policy"), ("frank", "legal")):
        await settled(users[approver], "POST", f"{path}/approve", json={"stage": stage, **reviewed})
    await embargo_ahead(users["carol"], release_id, ahead_s)
    return release_id


@dataclass
class _InFlight:
    """The releases of one run: when each one's create started, and what failed."""

    one_release: Callable[[int], Awaitable[str]]
    gate: asyncio.Semaphore
    advance: Callable[[], Any]
    started: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    async def run(self, i: int) -> None:
        async with self.gate:
            began = time.perf_counter()
            try:
                release_id = await asyncio.wait_for(self.one_release(i), STEP_TIMEOUT_S * 4)
            except (BenchFailed, aiohttp.ClientError, TimeoutError) as error:
                self.failures.append(f"{type(error).__name__}: {error}")
                self.advance()
                return
            self.started[release_id] = began


async def lifecycles(
    settings: Settings, conn: asyncpg.Connection, n: int, concurrency: int, progress: Progress,
    ahead_s: float = EMBARGO_AHEAD_S,
) -> LifecycleResult:  # fmt: skip
    """n releases over HTTP, `concurrency` at a time, until every one is in the public feed."""
    async with clients(settings, concurrency) as users:
        return await releases_to_public(
            conn, n, concurrency, progress, "Lifecycles → public feed",
            lambda i: one_release(users, i, ahead_s),
        )  # fmt: skip


async def releases_to_public(
    conn: asyncpg.Connection, n: int, concurrency: int, progress: Progress, what: str,
    one: Callable[[int], Awaitable[str]],
) -> LifecycleResult:  # fmt: skip
    """`one(i)` for i below n, `concurrency` at a time, until every release it returned is in the
    public feed: when each started, when each was first seen public, and what failed."""
    task = progress.add_task(f"{what} ({concurrency} in flight)", total=n)
    start, all_sent = time.perf_counter(), asyncio.Event()
    runs = _InFlight(one, asyncio.Semaphore(concurrency), lambda: progress.advance(task))
    watching = asyncio.create_task(until_public(conn, runs.started, all_sent, progress, task))
    try:
        await asyncio.gather(*(runs.run(i) for i in range(n)))
    finally:
        all_sent.set()
    public = await watching
    seconds = max(public.values(), default=start) - start
    span = max(public.values(), default=0.0) - min(public.values(), default=0.0)
    to_public = [(public[r] - runs.started[r]) * 1000 for r in public]
    return LifecycleResult(n, seconds, Latencies(to_public), runs.failures, span)


async def until_public(
    conn: asyncpg.Connection, started: dict[str, float], all_sent: asyncio.Event,
    progress: Progress, task: TaskID,
) -> dict[str, float]:  # fmt: skip
    """When each embargoed release was first seen in the public feed (polled)."""
    seen: dict[str, float] = {}
    changed = time.monotonic()
    while not all_sent.is_set() or len(seen) < len(started):
        rows = await conn.fetch(PUBLIC_SQL, [r for r in started if r not in seen])
        now = time.perf_counter()
        for row in rows:
            seen[row["release_id"]] = now
            progress.advance(task)
        changed = time.monotonic() if rows or not all_sent.is_set() else changed
        if time.monotonic() - changed > STEP_TIMEOUT_S:
            raise BenchFailed(
                f"{len(seen)} of {len(started)} embargoed releases reached the public feed, none"
                f" in the last {STEP_TIMEOUT_S:.0f} s: are embargo, publication and the"
                " projector running (`pressroom ps`)?"
            )
        await asyncio.sleep(POLL_S)
    return seen
