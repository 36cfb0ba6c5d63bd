"""The asyncpg types the kit accepts: a plain connection or one borrowed from a pool, and `Db`."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import asyncpg
from asyncpg import InterfaceError, Record

if TYPE_CHECKING:  # asyncpg's classes are generic only in its stubs, not at run time
    from asyncpg.pool import PoolConnectionProxy

    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]
else:
    Connection = Any
    Pool = Any


class Db(Protocol):
    """What the read models' writes and queries need from asyncpg: a connection, a pool and a
    pooled connection all fit."""

    async def execute(self, query: str, *args: object) -> str: ...

    async def executemany(self, command: str, args: Iterable[Sequence[object]]) -> None: ...

    async def fetch(self, query: str, *args: object) -> list[Record]: ...

    async def fetchrow(self, query: str, *args: object) -> Record | None: ...

    async def fetchval(self, query: str, *args: object) -> Any: ...


# The write path's statements (a service's command batch and relay, the projector's batch) have one
# shape each and find their rows by key or by arrays of keys, so one plan serves every execution.
# Under PostgreSQL's default (`plan_cache_mode=auto`) several were planned afresh every time: a
# generic plan of `= ANY($1)` or of `unnest($1)` is costed for arrays of unknown length, above
# the custom plans of the one-element arrays a quiet stack sends, so the cached plan never won.
# Planning the projector's fence-and-lock, the relay's delete and a batch's read cost 0.57 ms of
# PostgreSQL's CPU per HTTP write at 50/s (docs/benchmarks.md). ANALYZE (autovacuum's too)
# invalidates a cached plan, so a table that grows is planned again with its new size.
WRITE_PATH_SETTINGS = {"plan_cache_mode": "force_generic_plan"}


async def write_path_pool(
    dsn: str, *, min_size: int, max_size: int, reset: Callable[[Any], Awaitable[None]]
) -> Pool:
    """A pool for the write path: its connections keep one plan per prepared statement
    (`WRITE_PATH_SETTINGS`). The gateway's reads keep PostgreSQL's default: their filters differ
    from request to request, which custom plans serve."""
    pool: Pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        reset=reset,
        server_settings=WRITE_PATH_SETTINGS,
    )
    return pool


async def keep_session(_connection: Any) -> None:
    """A pool's `reset=`: no `RESET ALL; UNLISTEN *; …` round trip when a connection goes back,
    for pools whose users change no session state (no SET, LISTEN, advisory lock or cursor
    outside a transaction). asyncpg still rolls back a transaction left open before this."""


# Server pids of pooled connections that took session state; see reset_if_session_state. A pid
# reused by a later connection costs that one a needless reset, nothing more.
_SESSION_STATE_HOLDERS: set[int] = set()


def takes_session_state(conn: Connection) -> None:
    """Call before a pooled connection takes session state (LISTEN, a session advisory lock): it
    then gets asyncpg's full reset when it goes back to its pool, not a clean-looking connection
    still holding the relay's lock or a LISTEN for the next borrower."""
    _SESSION_STATE_HOLDERS.add(conn.get_server_pid())


async def reset_if_session_state(conn: Connection) -> None:
    """A services' pool `reset=`: asyncpg's reset query (`SELECT pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL`) only for the connections marked by `takes_session_state`. A
    command's transaction sets no session state, and the reset was one more round trip after
    every one of them, on every service (docs/benchmarks.md). asyncpg still rolls back a
    transaction left open and drops the client-side listeners before calling this."""
    pid = conn.get_server_pid()
    if pid in _SESSION_STATE_HOLDERS:
        _SESSION_STATE_HOLDERS.discard(pid)
        await conn.execute(conn.get_reset_query())


async def stop_listening(conn: Any, channel: str, callback: Any) -> None:
    """Removes a LISTEN callback in a `finally`, before the pool has the connection back (asyncpg
    warns of one left on). A lost connection has nothing left to remove: never raises, so the
    error that ended it is the one seen."""
    with contextlib.suppress(Exception):
        await conn.remove_listener(channel, callback)


def forget_termination_listener(conn: Any, callback: Any) -> None:
    """Removes a termination listener in a `finally`. A connection that was lost may already be
    back in its pool (asyncpg then raises InterfaceError "released back to the pool"): there is
    nothing left to remove, and raising here would hide the error that ended the connection."""
    with contextlib.suppress(InterfaceError):
        conn.remove_termination_listener(callback)
