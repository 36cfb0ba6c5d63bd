"""The one write about a subscriber no event may carry: its webhook secret, kept sealed (as the
gateway sealed it, services/kit/sealing.py) in publication's schema, in the registration's
transaction (the kit handler's `after_accept` hook). Opened only to sign a delivery."""

from __future__ import annotations

from typing import Any

from events.envelope import Envelope
from events.subscribers import RegisterSubscriber
from services.kit.db import Connection
from services.kit.handler import AfterAccept
from services.publication.delivery_sql import INSERT_SECRET


def secret_keeper(schema: str) -> AfterAccept:
    async def keep(conn: Connection, commands: list[Envelope[Any]]) -> None:
        for envelope in commands:
            command = envelope.data
            if isinstance(command, RegisterSubscriber) and command.sealed_secret is not None:
                sql = INSERT_SECRET.format(schema=schema)
                await conn.execute(sql, command.subscriber_id, command.sealed_secret)

    return keep
