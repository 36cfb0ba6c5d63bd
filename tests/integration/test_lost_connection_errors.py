"""A lost connection's own error reaches the log, not the clean-up's (found by the chaos suite:
after a PostgreSQL restart the relay, the scheduler and publication's delivery listener logged
"connection has been released back to the pool" instead of why the connection ended)."""

from __future__ import annotations

import asyncpg
import pytest

from services.kit.db import forget_termination_listener
from services.kit.settings import Settings

pytestmark = pytest.mark.integration


async def test_removing_a_lost_connections_listener_keeps_the_error_that_ended_it(
    infra: Settings,
) -> None:
    pool = await asyncpg.create_pool(infra.pg_dsn, min_size=0, max_size=1)
    killer = await asyncpg.connect(infra.pg_dsn)
    lost: list[object] = []
    try:
        with pytest.raises(Exception) as raised:
            async with pool.acquire() as conn:
                conn.add_termination_listener(lost.append)
                try:
                    await killer.execute("SELECT pg_terminate_backend($1)", conn.get_server_pid())
                    await conn.execute("SELECT 1")
                finally:
                    forget_termination_listener(conn, lost.append)
        assert "released back to the pool" not in str(raised.value)
        assert isinstance(raised.value, asyncpg.PostgresError | asyncpg.InterfaceError | OSError)
    finally:
        await killer.close()
        await pool.close()
