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


async def test_a_bug_in_a_read_is_not_passed_off_as_the_database_away() -> None:
    with pytest.raises(KeyError):
        async with _database():
            raise KeyError("status")
