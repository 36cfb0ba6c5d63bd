"""The HTTP side of the load: each request goes to the gateway as its role's demo token. A
request without an answer (the gateway killed, a 202, a 5xx) is sent again with the same
Idempotency-Key; one refused because the service has not heard yet is asked anew."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.chaos.ledger import Ledger

AGAIN_SAME_KEY = {202, 408, 429, 500, 502, 503, 504}
NOT_YET = {404, 409}  # the read model or the service has not heard of the last step yet


class HttpDriver:
    def __init__(self, base_url: str, ledger: Ledger) -> None:
        self.base_url, self.ledger = base_url, ledger
        self.clients: dict[str, httpx.AsyncClient] = {}

    def client(self, who: str) -> httpx.AsyncClient:
        if who not in self.clients:
            self.clients[who] = httpx.AsyncClient(
                base_url=self.base_url, timeout=30.0,
                headers={"Authorization": f"Bearer dev-{who}"},
            )  # fmt: skip
        return self.clients[who]

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def call(
        self, who: str, method: str, url: str, deadline: float, **request: Any
    ) -> httpx.Response | None:
        """The final answer (2xx, or a refusal that stayed one until the deadline), or None.
        Each try is a new request (a new Idempotency-Key): the service refused the last one."""
        loop, last = asyncio.get_running_loop(), None
        while loop.time() < deadline:
            last = await self.settled(who, method, url, deadline, dict(request))
            if last is None or last.status_code not in NOT_YET:
                return last
            await asyncio.sleep(1.0)
        return last

    async def settled(
        self, who: str, method: str, url: str, deadline: float, request: dict[str, Any]
    ) -> httpx.Response | None:
        """One request's answer, sent again with the same Idempotency-Key until it is not a
        202, a 5xx, a 408/429 or a dropped connection; None if the deadline passes first."""
        headers = {**request.pop("headers", {}), "Idempotency-Key": str(uuid.uuid4())}
        loop = asyncio.get_running_loop()
        while loop.time() < deadline:
            try:
                answer = await self.client(who).request(method, url, headers=headers, **request)
            except httpx.TransportError:
                await asyncio.sleep(1.0)
                continue
            self._note(answer)
            if answer.status_code not in AGAIN_SAME_KEY:
                return answer
            await asyncio.sleep(1.0)
        return None

    def _note(self, answer: httpx.Response) -> None:
        """A command id in a 2xx body reached a command topic: it must get one outcome."""
        if answer.status_code in (200, 201, 202):
            body = answer.json()
            if isinstance(body, dict) and body.get("command_id"):
                self.ledger.commands[str(body["command_id"])] = answer.request.url.path
