"""The asyncpg types the kit accepts: a plain connection or one borrowed from a pool, and `Db`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from asyncpg import InterfaceError, Record

if TYPE_CHECKING:  # asyncpg's classes are generic only in its stubs, not at run time
    import asyncpg
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


async def keep_session(_connection: Any) -> None:
    """A pool's `reset=`: no `RESET ALL; UNLISTEN *; …` round trip when a connection goes back,
    for pools whose users change no session state (no SET, LISTEN, advisory lock or cursor
    outside a transaction). asyncpg still rolls back a transaction left open before this."""


def forget_termination_listener(conn: Any, callback: Any) -> None:
    """Removes a termination listener in a `finally`. A connection that was lost may already be
    back in its pool (asyncpg then raises InterfaceError "released back to the pool"): there is
    nothing left to remove, and raising here would hide the error that ended the connection."""
    with contextlib.suppress(InterfaceError):
        conn.remove_termination_listener(callback)
