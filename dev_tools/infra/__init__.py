"""Local Kafka and PostgreSQL without Docker: `up`, `down` and `status` for the CLI and tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from dev_tools.infra import kafka, postgres
from dev_tools.infra.component import ComponentStatus
from dev_tools.infra.errors import InfraError
from dev_tools.infra.processes import file_lock
from services.kit.settings import Settings

__all__ = ["ComponentStatus", "InfraError", "down", "status", "up"]


def up(settings: Settings) -> None:
    """Starts whatever is not running yet; returns when both accept connections."""
    _check_distinct_ports(settings)
    with file_lock(_lock_file(settings)):
        kafka.preflight(settings)
        postgres.preflight(settings)
        postgres.up(settings)
        kafka.up(settings)


def _lock_file(settings: Settings) -> Path:
    return settings.data_dir / ".infra.lock"


def _check_distinct_ports(settings: Settings) -> None:
    ports = {
        "PRESSROOM_KAFKA_PORT": settings.kafka_port,
        "PRESSROOM_KAFKA_CONTROLLER_PORT": settings.kafka_controller_port,
        "PRESSROOM_PG_PORT": settings.pg_port,
    }
    if len(set(ports.values())) < len(ports):
        listed = ", ".join(f"{name}={port}" for name, port in ports.items())
        raise InfraError(f"Two components would share a port: {listed}.", "Give each its own port")


def down(settings: Settings, wipe: bool = False) -> None:
    """Stops both; `wipe` also deletes the data folder (never the jar cache)."""
    with file_lock(_lock_file(settings)):
        kafka.down(settings)
        postgres.down(settings)
        if wipe:
            _wipe(settings)


def status(settings: Settings) -> list[ComponentStatus]:
    return [kafka.status(settings), postgres.status(settings)]


def _wipe(settings: Settings) -> None:
    data, cache = settings.data_dir.resolve(), settings.cache_dir.resolve()
    if data == cache or data in cache.parents:
        raise InfraError(
            f"Refusing to wipe {data}: it contains the jar cache {cache}.",
            "Point PRESSROOM_CACHE_DIR outside PRESSROOM_DATA_DIR, or delete the folder by hand",
        )
    if data == data.parent or data == data.home():
        raise InfraError(
            f"Refusing to wipe {data}.", "Set PRESSROOM_DATA_DIR to a dedicated folder"
        )
    shutil.rmtree(data, ignore_errors=True)
