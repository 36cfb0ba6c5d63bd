"""What the press office's subscribers were told during the publication story: a webhook and an
email address registered over HTTP, and checks of what reached each (signed, in order, once)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from standardwebhooks import Webhook

from services.publication.signing import ID_HEADER
from tests.integration.delivery_support import Hook, Mailbox, Receiver
from tests.sealing_support import SECRET
from tests.support import eventually

DELIVERY_WAIT_S = 90.0


@dataclass
class Told:
    """A webhook and an inbox subscribed to every fco release; the story's release is theirs."""

    hook: Hook
    mailbox: Mailbox
    address: str
    subscriber_ids: list[str]

    @classmethod
    async def subscribe(
        cls, carol: httpx.AsyncClient, receiver: Receiver, mailbox: Mailbox
    ) -> Told:
        url, hook = receiver.hook()
        address = f"newsdesk-{uuid.uuid4().hex[:8]}@news.example"
        filters = {"organisations": ["fco"]}
        ids = []
        for channel in (
            {"channel": "webhook", "url": url, "secret": SECRET},
            {"channel": "email", "email": address},
        ):
            body = {"name": "Story subscriber", "filters": filters, **channel}
            created = await carol.post("/v1/subscribers", json=body)
            assert created.status_code == 201, created.text
            ids.append(created.json()["subscriber_id"])
        return cls(hook, mailbox, address, ids)

    def webhook_notices(self, release_id: str) -> list[dict[str, Any]]:
        """Each delivered notice of the release, verified as a receiver would verify it."""
        notices = []
        for headers, raw, status in self.hook.calls:
            body = json.loads(raw)
            if status != 200 or body["release_id"] != release_id:
                continue
            Webhook(SECRET).verify(raw, headers)  # the official library; raises if wrong
            assert headers[ID_HEADER] == body["delivery_id"]
            notices.append(body)
        return notices

    def emails(self, title: str) -> list[Any]:
        return [m for m in self.mailbox.to(self.address) if title in str(m["Subject"])]

    async def until(self, release_id: str, title: str, notices: int, emails: int) -> None:
        """Waits until exactly this many notices and emails about the release have arrived."""

        async def arrived() -> bool:
            return (
                len(self.webhook_notices(release_id)) >= notices
                and len(self.emails(title)) >= emails
            )

        await eventually(arrived, DELIVERY_WAIT_S, f"{notices} notices and {emails} emails")
        assert len(self.webhook_notices(release_id)) == notices, "each notice once"
        assert len(self.emails(title)) == emails, "each email once"

    async def unsubscribe(self, carol: httpx.AsyncClient) -> None:
        for subscriber_id in self.subscriber_ids:
            assert (await carol.delete(f"/v1/subscribers/{subscriber_id}")).status_code == 200
