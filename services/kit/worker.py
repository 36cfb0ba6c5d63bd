"""Starts a service: prepare once (migrations, topics), then hand the process to faust's worker."""

from __future__ import annotations

import asyncio
import sys

import faust
import structlog

from services.kit.command_auth import CommandKeysMissing, KeysFileError
from services.kit.runtime import ServiceRuntime

log = structlog.get_logger()


def run_worker(app: faust.App, runtime: ServiceRuntime) -> None:
    try:
        applied = asyncio.run(runtime.prepare())
    except (CommandKeysMissing, KeysFileError) as error:
        log.error("refusing_to_start", reason=str(error))
        raise SystemExit(2) from error
    log.info("prepared", schema=runtime.schema, migrations_applied=applied)
    # asyncio.run closed its loop; faust's worker wants a current one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    sys.argv = [sys.argv[0], "worker"]
    worker = faust.Worker(app, loglevel=runtime.settings.log_level.lower(), quiet=True)
    worker.execute_from_commandline()
