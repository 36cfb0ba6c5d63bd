"""The slice of asyncpg the projector uses: a connection, a pool and a pooled connection all fit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from asyncpg import Record


class Db(Protocol):
    """What store and queries need from asyncpg."""

    async def execute(self, query: str, *args: object) -> str: ...

    async def executemany(self, command: str, args: Iterable[Sequence[object]]) -> None: ...

    async def fetch(self, query: str, *args: object) -> list[Record]: ...

    async def fetchrow(self, query: str, *args: object) -> Record | None: ...

    async def fetchval(self, query: str, *args: object) -> Any: ...
