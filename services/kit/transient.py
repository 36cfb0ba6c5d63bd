"""Which failures are worth waiting out: PostgreSQL or the network away, not the work itself.

By SQLSTATE class, not by asyncpg's exception classes: a statement in flight while PostgreSQL
restarts fails with AdminShutdownError (57P01), an `OperatorInterventionError`, not a connection
error. docs/reliability.md lists what each process does with them.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

import asyncpg
import structlog
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

log = structlog.get_logger()

# Class 08 connection exception, 53 insufficient resources (disk full, out of memory, too many
# connections), 57P0x the server shutting down, crashed or starting (admin/crash shutdown,
# cannot connect now, database dropped), 40001 serialization failure, 40P01 deadlock.
TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
TRANSIENT_SQLSTATES = ("57P01", "57P02", "57P03", "57P04", "57P05", "40001", "40P01")
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0
NOT_THE_CONNECTION = (asyncpg.UnsupportedClientFeatureError, asyncpg.UnsupportedServerFeatureError)


class StreamContended(Exception):
    """Another writer took a stream's next version through every immediate retry: two batches
    in a lock cycle, each holding rows the other needs, or a busy policy on the same release.
    Worth waiting out, never a dead letter: the caller rolls back its whole transaction (so the
    other writer gets the locks it waits on) and tries again after a backoff. A dead letter here
    would give the command a second outcome once a later delivery of it went through."""


def is_transient(error: BaseException) -> bool:
    """True when the same work may well succeed later, once PostgreSQL or the network is back.
    Follows the chain: a rollback that fails on a dead connection hides the first error."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if _transient_itself(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _transient_itself(error: BaseException) -> bool:
    if isinstance(error, StreamContended):
        return True
    if isinstance(error, OSError | TimeoutError | asyncpg.InternalClientError):
        # InternalClientError: a pooled connection left mid-handshake by a restart (asyncpg#784).
        return True
    if isinstance(error, asyncpg.InterfaceError):
        # "connection is closed" and the like: the client side of a dropped connection. Not its
        # subclasses about the input or the setup (DataError: an argument asyncpg cannot encode).
        return not isinstance(error, (ValueError, *NOT_THE_CONNECTION))
    if isinstance(error, asyncpg.PostgresError):
        state = str(getattr(error, "sqlstate", "") or "")
        return state[:2] in TRANSIENT_SQLSTATE_CLASSES or state in TRANSIENT_SQLSTATES
    return False


def worth_waiting_at_start(error: BaseException) -> bool:
    """At a process's start: PostgreSQL or a broker not there yet is waited for; a refusal of
    the settings (TLS the server does not offer, a certificate that does not verify) is not, so
    the process exits at once saying why instead of waiting forever."""
    if isinstance(error, ssl.SSLError):
        return False
    if isinstance(error, ConnectionError) and "rejected SSL upgrade" in str(error):
        return False  # asyncpg's words for a server without TLS when the DSN requires it
    return kafka_or_postgres_away(error)


def kafka_or_postgres_away(error: BaseException) -> bool:
    """No broker answered yet (Kafka starting, restarting, unreachable), or PostgreSQL away."""
    return isinstance(error, KafkaConnectionError | KafkaTimeoutError) or is_transient(error)


async def until_done(
    work: Callable[[], Awaitable[object]],
    waiting_for: str = "postgres",
    transient: Callable[[BaseException], bool] = is_transient,
) -> None:
    """Runs `work` again, with backoff, while it fails only because a dependency is away
    (`transient`); any other failure is raised. The log says what it waits for."""
    delay = FIRST_BACKOFF_S
    while True:
        try:
            await work()
            return
        except Exception as error:
            if not transient(error):
                raise
            log.warning(f"waiting_for_{waiting_for}", error=repr(error), retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
