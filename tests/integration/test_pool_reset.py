"""A service's pool resets only the connections that took session state (docs/benchmarks.md):
a command's transaction goes back without the reset round trip, while a relay's lock and
LISTEN never reach the next borrower. On the real PostgreSQL, through the runtime's own pool."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator

import pytest

from services.drafting.decider import DRAFTING
from services.kit.db import Pool, stop_listening, takes_session_state
from services.kit.runtime import ServiceRuntime
from services.kit.settings import Settings

pytestmark = pytest.mark.integration
LOCK_KEY = 815_001


@pytest.fixture
async def pool(infra: Settings) -> AsyncIterator[Pool]:
    # One connection: the next borrower gets the very connection the last one gave back.
    settings = infra.model_copy(update={"pg_pool_min_size": 0, "pg_pool_max_size": 1})
    runtime = ServiceRuntime(settings, DRAFTING, migrations="services/drafting/migrations")
    service_pool = await runtime.pool()
    yield service_pool
    await service_pool.close()


async def test_a_connection_that_took_no_session_state_goes_back_without_a_reset(
    pool: Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        first_pid = conn.get_server_pid()
        # Nothing in production sets session state outside takes_session_state; this stands in
        # for it only to make a skipped reset observable (RESET ALL would undo it).
        await conn.execute("SET application_name = 'kept-by-the-pool'")
    async with pool.acquire() as conn:
        assert conn.get_server_pid() == first_pid
        assert await conn.fetchval("SHOW application_name") == "kept-by-the-pool"


# The relay gives its connection back with its listener on, as here: the reset is what ends it.
@pytest.mark.filterwarnings("ignore:.*active notification listener")
async def test_a_lock_and_listen_taken_on_a_pooled_connection_are_gone_for_the_next_borrower(
    pool: Pool, infra: Settings
) -> None:
    async with pool.acquire() as conn:
        first_pid = conn.get_server_pid()
        takes_session_state(conn)
        assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
        await conn.add_listener("pool_reset_probe", lambda *_: None)
    async with pool.acquire() as conn:
        assert conn.get_server_pid() == first_pid
        assert await conn.fetch("SELECT pg_listening_channels()") == []
        held = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1", LOCK_KEY
        )
        assert held == 0


async def test_a_listener_stopped_in_finally_leaves_nothing_for_the_pool_to_warn_of(
    pool: Pool,
) -> None:
    """`stop_listening`, as the relay, the scheduler and the delivery worker end: the callback is
    off before the pool has the connection back, and a connection already lost raises nothing."""

    def heard(*_: object) -> None: ...

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with pool.acquire() as conn:
            takes_session_state(conn)
            await conn.add_listener("pool_reset_test", heard)
            await stop_listening(conn, "pool_reset_test", heard)
    assert [str(w.message) for w in caught if "listener" in str(w.message)] == []
    async with pool.acquire() as conn:
        takes_session_state(conn)
        await conn.add_listener("pool_reset_test", heard)
        conn.terminate()  # lost, as when PostgreSQL restarts
        await stop_listening(conn, "pool_reset_test", heard)
