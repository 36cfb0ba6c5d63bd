"""The asyncpg connection type the kit accepts: a plain connection or one borrowed from a pool."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]
