"""Which failures the kit waits out (PostgreSQL or the network away), which are the work's."""

from __future__ import annotations

import asyncpg
import pytest

from services.kit.transient import StreamContended, is_transient


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CrashShutdownError("crash shutdown"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.ConnectionFailureError("connection failure"),
        asyncpg.TooManyConnectionsError("too many clients"),
        asyncpg.DiskFullError("no space left"),
        asyncpg.OutOfMemoryError("out of memory"),
        asyncpg.SerializationError("could not serialize access"),
        asyncpg.DeadlockDetectedError("deadlock detected"),
        StreamContended("stream rel-a kept changing under command c-1"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_database_or_network_away_is_waited_out(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.UntranslatableCharacterError("\\u0000 cannot be converted to text"),
        asyncpg.UndefinedTableError("relation does not exist"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.DataError("invalid input for query argument $1"),
        ValueError("a bug in decide"),
        KeyError("missing"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_failure_of_the_work_itself_is_not_waited_out(error: Exception) -> None:
    assert not is_transient(error)


def test_a_failed_rollback_does_not_hide_the_restart_behind_it() -> None:
    try:
        try:
            raise asyncpg.AdminShutdownError("terminating connection")
        except asyncpg.AdminShutdownError as first:
            raise RuntimeError("rollback failed") from first
    except RuntimeError as error:
        assert is_transient(error)


def test_a_bug_that_hides_nothing_transient_stays_a_bug() -> None:
    try:
        try:
            raise KeyError("x")
        except KeyError as first:
            raise ValueError("then this") from first
    except ValueError as error:
        assert not is_transient(error)
