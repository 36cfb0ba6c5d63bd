"""What a delivery worker says when its loop fails (services/publication/delivery_worker.py):
PostgreSQL away is a warning it waits out, a bug an error with its traceback. `make chaos`
(2026-12-07, from 15:04) logged `delivery_worker_restarting` at error level, traceback and all,
328 times over 35 PostgreSQL restarts (two instances of publication, four workers each)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import pytest
from structlog.testing import capture_logs

from services.publication import delivery_worker
from services.publication.delivery_worker import DeliveryWorker, log_loop_failure

POSTGRES_AWAY = [
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.CannotConnectNowError("the database system is shutting down"),
    asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
    asyncpg.InterfaceError("connection is closed"),
    ConnectionRefusedError("Connect call failed"),
]


@pytest.mark.parametrize("error", POSTGRES_AWAY, ids=lambda e: type(e).__name__)
def test_postgres_away_is_one_warning_line_without_a_traceback(error: Exception) -> None:
    with capture_logs() as logs:
        log_loop_failure(error)
    assert [(e["event"], e["log_level"]) for e in logs] == [
        ("delivery_worker_waiting_for_postgres", "warning")
    ]
    assert logs[0]["error"] == repr(error) and "exc_info" not in logs[0]


def test_a_bug_is_an_error_with_its_traceback() -> None:
    bug = KeyError("attempt")
    with capture_logs() as logs:
        log_loop_failure(bug)
    assert [(e["event"], e["log_level"]) for e in logs] == [("delivery_worker_restarting", "error")]
    assert logs[0]["exc_info"] is bug


class _PoolFailingOnce:
    """A pool whose first acquire fails with `error`; the second ends the listener's loop."""

    def __init__(self, error: Exception) -> None:
        self.errors: list[BaseException] = [error, asyncio.CancelledError()]

    def acquire(self) -> None:
        raise self.errors.pop(0)


async def _listen_meeting(error: Exception, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setattr(delivery_worker, "RECONNECT_S", 0)
    handler = SimpleNamespace(pool=_PoolFailingOnce(error))
    worker = DeliveryWorker(cast(Any, handler), cast(Any, None), cast(Any, None))
    with capture_logs() as logs, pytest.raises(asyncio.CancelledError):
        await worker._listen()
    return logs


async def test_the_listener_logs_a_bug_as_an_error_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before, the listener called any failure PostgreSQL away, without a traceback."""
    bug = AttributeError("'NoneType' object has no attribute 'add_listener'")
    logs = await _listen_meeting(bug, monkeypatch)
    assert [(e["event"], e["log_level"]) for e in logs] == [
        ("delivery_listener_restarting", "error")
    ]
    assert logs[0]["exc_info"] is bug


async def test_the_listener_waits_out_postgres_away_with_one_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    away = asyncpg.CannotConnectNowError("the database system is starting up")
    logs = await _listen_meeting(away, monkeypatch)
    assert [(e["event"], e["log_level"]) for e in logs] == [
        ("delivery_listener_waiting_for_postgres", "warning")
    ]
    assert "exc_info" not in logs[0]
