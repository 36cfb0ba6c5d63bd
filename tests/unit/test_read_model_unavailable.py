"""A read the database cannot answer is a 503 the client may retry (services/read_models/
postgres.py), whatever asyncpg raises while PostgreSQL restarts. `make chaos` (2026-12-07 15:04)
saw the gateway answer 500 to a command's release read: asyncpg's InternalClientError ("cannot
switch to state 12; another operation (2) is in progress", a pooled connection a restart left in
the middle of an operation, asyncpg#784) is no InterfaceError and escaped the mapping; the
gateway's /readyz check had the same gap."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from services.read_models.model import ReadModelUnavailable
from services.read_models.postgres import PostgresReadModel, _database

# Each error a pool raises while PostgreSQL is away or just back.
WHILE_POSTGRES_RESTARTS = [
    asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
    asyncpg.InterfaceError("connection is closed"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    ConnectionResetError("Connection reset by peer"),
    TimeoutError(),
    asyncpg.TooManyConnectionsError("sorry, too many clients already"),
]
# What PostgreSQL refuses for good: a bug or a broken deployment, never "try again later".
REFUSED_FOR_GOOD = [
    asyncpg.UndefinedTableError('relation "projections.releases" does not exist'),
    asyncpg.UndefinedColumnError('column "public_slug" does not exist'),
    asyncpg.PostgresSyntaxError('syntax error at or near "FROM"'),
    asyncpg.DataError("invalid input for query argument $1: 'x' (an int is required)"),
]


class PoolThatRaises:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def fetchval(self, *args: Any) -> Any:
        raise self.error


@pytest.mark.parametrize("error", WHILE_POSTGRES_RESTARTS, ids=lambda e: type(e).__name__)
async def test_a_read_postgres_cannot_answer_is_unavailable_not_a_crash(error: Exception) -> None:
    with pytest.raises(ReadModelUnavailable):
        async with _database():
            raise error


@pytest.mark.parametrize("error", WHILE_POSTGRES_RESTARTS, ids=lambda e: type(e).__name__)
async def test_the_readiness_check_says_not_ready_instead_of_raising(error: Exception) -> None:
    reads = PostgresReadModel("postgresql://unused")
    reads._pool = PoolThatRaises(error)  # type: ignore[assignment]
    reads._listening = True
    assert await reads.ping() is False


async def test_a_query_postgres_cancelled_for_its_statement_timeout_is_unavailable() -> None:
    with pytest.raises(ReadModelUnavailable):
        async with _database():
            raise asyncpg.QueryCanceledError("canceling statement due to statement timeout")


@pytest.mark.parametrize("error", REFUSED_FOR_GOOD, ids=lambda e: type(e).__name__)
async def test_a_statement_postgres_refuses_for_good_is_a_bug_not_the_database_away(
    error: Exception,
) -> None:
    """Before, any PostgresError was a 503 that clients retry for ever and no one is told of."""
    with pytest.raises(type(error)):
        async with _database():
            raise error


async def test_a_bug_in_a_read_is_not_passed_off_as_the_database_away() -> None:
    with pytest.raises(KeyError):
        async with _database():
            raise KeyError("status")
