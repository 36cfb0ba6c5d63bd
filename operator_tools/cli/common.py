"""What every operator command shares: settings, a pool, rich progress, and errors as exit 2."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar
from urllib.parse import urlsplit

import asyncpg
import typer
from aiokafka.errors import KafkaConnectionError, KafkaError
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from operator_tools.errors import OpsError
from operator_tools.progress import Advance
from services.kit.command_auth import CommandKeysMissing, KeysFileError
from services.kit.db import Pool
from services.kit.settings import Settings, invalid_settings

T = TypeVar("T")
# Results go to stdout (so --json pipes cleanly); progress, errors and summaries to stderr.
out = Console()
err = Console(stderr=True)
UNREACHABLE = (
    OSError,
    KafkaConnectionError,
    KafkaError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    TimeoutError,
)


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False)
    return typer.Exit(code)


def run(work: Callable[[Settings], Awaitable[T]]) -> T:
    """Runs `work` with the settings; bad input exits 2, an unreachable stack exits 1."""
    # aiokafka logs each failed connection attempt; the outcome is reported once, below.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        settings = Settings()
    except ValidationError as error:
        raise fail(invalid_settings(error)) from None
    try:
        return asyncio.run(_awaited(work(settings)))
    except (OpsError, CommandKeysMissing, KeysFileError) as error:
        raise fail(str(error)) from None
    except UNREACHABLE as error:
        # Host and port only: the DSN may carry a password.
        dsn = urlsplit(settings.dsn_for("projector"))
        where = f"Kafka at {settings.kafka_bootstrap} or PostgreSQL at {dsn.hostname}:{dsn.port}"
        raise fail(
            f"cannot reach {where} ({error!r}); is the stack up (pressroom infra up)?", 1
        ) from None


async def _awaited(work: Awaitable[T]) -> T:
    return await work


@asynccontextmanager
async def pool_of(settings: Settings) -> AsyncIterator[Pool]:
    pool = await asyncpg.create_pool(
        settings.dsn_for("projector"), min_size=1, max_size=3, timeout=10
    )
    try:
        yield pool
    finally:
        await pool.close()


class RichProgress:
    """A ProgressSink drawing rich bars on stderr."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def task(self, description: str, total: int | None) -> Advance:
        task = self.progress.add_task(description, total=total)
        return lambda steps: self.progress.advance(task, steps)


@contextmanager
def progress_bars() -> Iterator[RichProgress]:
    columns = (
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        yield RichProgress(progress)
