"""Starts a service: prepare once (migrations, topics), then hand the process to faust's worker."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import faust
import structlog
import uvloop

from services.kit.command_auth import CommandKeysMissing, KeysFileError
from services.kit.group_watch import EXIT_GROUP_LOST, GroupLoss, coordinator_known, watch_group
from services.kit.health import HealthServer, Readiness
from services.kit.heap import settle_heap, trim_heap_every
from services.kit.kafka_on_uvloop import mend_closed_connection_writes
from services.kit.logging import standard_library_logging
from services.kit.runtime import ServiceRuntime

log = structlog.get_logger()


def run_worker(app: faust.App, runtime: ServiceRuntime) -> None:
    """Serves until SIGTERM; faust then stops the agents, commits and leaves the group."""
    try:
        applied = asyncio.run(runtime.prepare())
    except (CommandKeysMissing, KeysFileError) as error:
        log.error("refusing_to_start", reason=str(error))
        raise SystemExit(2) from error
    log.info("prepared", schema=runtime.schema, migrations_applied=applied)
    # faust creates its own folder, not the parents (a fresh data dir, a container's volume).
    Path(app.conf.datadir).parent.mkdir(parents=True, exist_ok=True)
    health = start_health(app, runtime)
    lost = watch_consumer_group(app, runtime)
    use_uvloop()  # asyncio.run closed its loop; faust's worker wants a current one
    sys.argv = [sys.argv[0], "worker"]
    worker = faust.Worker(
        app,
        loglevel=runtime.settings.log_level.lower(),
        quiet=True,
        # Its libraries' lines as ours (services/kit/logging.py), not mode's coloured handler on
        # standard output, which it would put in place of ours at start.
        logging_config=standard_library_logging(runtime.settings),
    )
    settle_heap()  # services/kit/heap.py: the collector leaves what bootstrap made alone
    trim_heap_every(runtime.settings.heap_trim_interval_s)
    try:
        worker.execute_from_commandline()
    except SystemExit:
        if lost.happened:  # stopped as at SIGTERM, then a status that says why
            raise SystemExit(EXIT_GROUP_LOST) from None
        raise
    finally:
        if health is not None:
            health.stop()


def watch_consumer_group(app: faust.App, runtime: ServiceRuntime) -> GroupLoss:
    """A task in faust's loop that stops the process once its consumer has lost its group for
    good (services/kit/group_watch.py)."""
    lost = GroupLoss()

    async def watch() -> None:
        await watch_group(
            app.conf.id, lambda: aiokafka_consumer(app), runtime.kafka_answers,
            runtime.settings.group_lost_after_s, lost.stop_process,
        )  # fmt: skip

    app.task(watch)
    return lost


def aiokafka_consumer(app: faust.App) -> object | None:
    """The AIOKafkaConsumer faust runs in its consumer thread, once it made it."""
    return getattr(getattr(app.consumer, "_thread", None), "_consumer", None)


def use_uvloop() -> asyncio.AbstractEventLoop:
    """A uvloop loop, current, and uvloop for every loop made after: faust runs its Kafka
    consumer in a thread of its own whose loop comes from the policy. A service's work per
    message is mostly socket writes, callbacks and wake-ups across that thread, which libuv does
    cheaper: 8-10% less CPU per command in drafting, publication, approval and embargo, measured
    (docs/benchmarks.md). The gateway and the projector run on uvloop too. aiokafka is mended
    for it first (services/kit/kafka_on_uvloop.py)."""
    mend_closed_connection_writes()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop


def start_health(app: faust.App, runtime: ServiceRuntime) -> HealthServer | None:
    """The health port when one is set; the checks are refreshed by a task in faust's loop."""
    settings = runtime.settings
    if not settings.health_port:
        return None
    readiness = Readiness(("postgres", "kafka", "relay"))

    def consuming() -> bool:  # in the group (its coordinator known), not in a rebalance
        in_group = coordinator_known(aiokafka_consumer(app)) is not False
        return app.rebalancing_count > 0 and not app.rebalancing and in_group

    async def watch() -> None:
        await runtime.watch_readiness(readiness, consuming)

    app.task(watch)
    health = HealthServer(runtime.schema, readiness)
    health.start_or_exit(settings.health_host, settings.health_port)
    return health
