"""A lifecycle's steps over HTTP, each as the role that may take it (the demo tokens)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from events.content import ReleaseContent
from tests.chaos.http_driver import HttpDriver


class HttpSteps:
    driver = "http"

    def __init__(self, http: HttpDriver, content: ReleaseContent, step_s: float) -> None:
        self.http, self.content, self.step_s = http, content, step_s
        self.release_id, self.etag = "", ""

    async def _ok(self, who: str, method: str, path: str, **request: Any) -> bool:
        deadline = asyncio.get_running_loop().time() + self.step_s
        url = f"/v1/releases/{self.release_id}{path}" if self.release_id else "/v1/releases"
        answer = await self.http.call(who, method, url, deadline, **request)
        if answer is None or answer.status_code not in (200, 201):
            return False
        self.etag = answer.headers.get("ETag", self.etag)
        return True

    async def create(self) -> bool:
        deadline = asyncio.get_running_loop().time() + self.step_s
        body = {"content": self.content.model_dump(mode="json")}
        answer = await self.http.call("alice", "POST", "/v1/releases", deadline, json=body)
        if answer is None or answer.status_code != 201:
            return False
        self.release_id, self.etag = answer.json()["release_id"], answer.headers["ETag"]
        self.http.ledger.releases[self.release_id] = self.driver
        return True

    async def revise(self, summary: str) -> bool:
        return await self._ok(
            "alice", "PATCH", "", json={"summary": summary}, headers={"If-Match": self.etag}
        )

    async def submit(self) -> bool:
        return await self._ok("alice", "POST", "/submit", headers={"If-Match": self.etag})

    async def approve(self) -> bool:
        for who, stage in (("erin", "policy"), ("frank", "legal")):
            if not await self._ok(who, "POST", "/approve", json={"stage": stage}):
                return False
        return True

    async def embargo(self, lift_at: datetime) -> bool:
        return await self._ok("carol", "PUT", "/embargo", json={"lift_at": lift_at.isoformat()})

    async def publish(self, major: bool, again: bool = True) -> bool:
        body = {"update_type": "major", "change_note": "Corrected under chaos."} if major else {}
        if again:
            return await self._ok("carol", "POST", "/publish", json=body)
        deadline = asyncio.get_running_loop().time() + self.step_s
        url = f"/v1/releases/{self.release_id}/publish"
        answer = await self.http.settled("carol", "POST", url, deadline, {"json": body})
        return answer is not None and answer.status_code == 200

    async def correct(self) -> bool:
        return await self._ok("alice", "POST", "/corrections")

    async def withdraw(self) -> bool:
        return await self._ok("carol", "POST", "/withdraw", json={"explanation": "Withdrawn."})

    async def unpublish(self) -> bool:
        return await self._ok("dave", "POST", "/unpublish", json={"type": "gone"})
