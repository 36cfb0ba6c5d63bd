"""The readiness check's question to PostgreSQL (services/kit/health.py): whatever a pool raises
while PostgreSQL is away or just back is a "no", never an exception that stops the process.

Found by `make chaos` (2026-12-07 11:51, seed 87109242): after PostgreSQL restarted, drafting's
readiness check got asyncpg's InternalClientError ("cannot switch to state 12; another operation
(2) is in progress", a pooled connection a restart left mid-operation, asyncpg#784), which is no
InterfaceError; it escaped the check, faust's app crashed and drafting stopped."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from services.kit.health import postgres_answers


class PoolRaising:
    """Stands in for asyncpg's pool at the one call the check makes."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def fetchval(self, query: str) -> Any:
        raise self.error


class PoolAnswering:
    async def fetchval(self, query: str) -> Any:
        return 1


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
    ],
)
async def test_postgres_away_or_just_back_is_a_no(error: BaseException) -> None:
    assert await postgres_answers(PoolRaising(error), timeout=1.0) is False  # type: ignore[arg-type]


async def test_a_pool_that_answers_is_a_yes() -> None:
    assert await postgres_answers(PoolAnswering(), timeout=1.0) is True  # type: ignore[arg-type]
