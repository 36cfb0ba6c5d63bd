"""What a write path sends to the real PostgreSQL, statement by statement: round trips counted
(issue 15) without standing in for the database."""

from __future__ import annotations

from typing import Any

RECORDED = ("execute", "executemany", "fetch", "fetchrow", "fetchval", "copy_records_to_table")


class Recording:
    """The real connection, noting the SQL of every statement sent through it."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.sql: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.conn, name)
        if name not in RECORDED:
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.sql.append(str(args[0]) if args else name)
            return await attr(*args, **kwargs)

        return call
