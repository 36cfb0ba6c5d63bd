"""What a delivery worker says when its loop fails (services/publication/delivery_worker.py):
PostgreSQL away is a warning it waits out, a bug an error with its traceback. `make chaos`
(2026-12-07, from 15:04) logged `delivery_worker_restarting` at error level, traceback and all,
328 times over 35 PostgreSQL restarts (two instances of publication, four workers each)."""

from __future__ import annotations

import asyncpg
import pytest
from structlog.testing import capture_logs

from services.publication.delivery_worker import log_loop_failure

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
