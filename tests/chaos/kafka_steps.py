"""A lifecycle's steps as the bot takes them: signed commands straight to the command topics."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

from events.actor import Actor
from events.approval import ApproveStage
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import CreateDraft, ReviseDraft, StartCorrection, SubmitDraft
from events.embargo import SetEmbargo
from events.publication import PublishRelease, UnpublishRelease, WithdrawRelease
from events.replies import CommandOutcome, OutcomeStatus
from events.topics import (
    APPROVAL_COMMANDS,
    DRAFTING_COMMANDS,
    EMBARGO_COMMANDS,
    PUBLICATION_COMMANDS,
)
from tests.chaos.bot import Bot
from tests.integration.embargo_support import ALICE, APPROVERS

CAROL = Actor(id="carol", roles=["press-officer"], organisation="fco")
DAVE = Actor(id="dave", roles=["managing-editor"], organisation="fco")
NOT_YET = {OutcomeStatus.CONFLICT, OutcomeStatus.NOT_FOUND}


class KafkaSteps:
    driver = "kafka"

    def __init__(self, bot: Bot, content: ReleaseContent, step_s: float) -> None:
        self.bot, self.content, self.step_s = bot, content, step_s
        self.release_id = f"chaos-{uuid.uuid4()}"
        self.version, self.revision = 0, 0

    async def _until_accepted(
        self, topic: str, make: Any, again: bool = True
    ) -> CommandOutcome | None:
        """A new command (from `make()`) each time one is refused as not yet possible."""
        deadline = asyncio.get_running_loop().time() + self.step_s
        while asyncio.get_running_loop().time() < deadline:
            outcome = await self.bot.send(topic, make(), deadline)
            if outcome is None or outcome.status is OutcomeStatus.ACCEPTED:
                return outcome
            if not again or outcome.status not in NOT_YET:
                return None
            await asyncio.sleep(1.0)
        return None

    async def _drafting(self, make: Any, again: bool = True) -> bool:
        outcome = await self._until_accepted(DRAFTING_COMMANDS, make, again)
        if outcome is not None and outcome.stream_version is not None:
            self.version = outcome.stream_version
        return outcome is not None

    async def create(self) -> bool:
        self.bot.ledger.releases[self.release_id] = self.driver
        self.revision = 1
        make = lambda: CreateDraft(release_id=self.release_id, actor=ALICE, content=self.content)  # noqa: E731
        return await self._drafting(make, again=False)

    async def revise(self, summary: str) -> bool:
        changes = ContentChanges(summary=summary)
        make = lambda: ReviseDraft(  # noqa: E731
            release_id=self.release_id, actor=ALICE, expected_version=self.version,
            changes=changes,
        )  # fmt: skip
        if not await self._drafting(make, again=False):
            return False
        self.content, self.revision = changes.apply_to(self.content), self.revision + 1
        return True

    async def submit(self) -> bool:
        return await self._drafting(lambda: SubmitDraft(release_id=self.release_id, actor=ALICE))

    async def approve(self) -> bool:
        for stage in ("policy", "legal"):  # fco's policy: policy, then legal
            make = lambda stage=stage: ApproveStage(  # noqa: E731
                release_id=self.release_id, actor=APPROVERS[stage], stage=stage,
                revision=self.revision, content_hash=content_hash(self.content),
            )  # fmt: skip
            if await self._until_accepted(APPROVAL_COMMANDS, make) is None:
                return False
        return True

    async def embargo(self, lift_at: datetime) -> bool:
        make = lambda: SetEmbargo(release_id=self.release_id, actor=CAROL, lift_at=lift_at)  # noqa: E731
        return await self._until_accepted(EMBARGO_COMMANDS, make) is not None

    async def publish(self, major: bool, again: bool = True) -> bool:
        make = lambda: PublishRelease(  # noqa: E731
            release_id=self.release_id, actor=CAROL, update_type="major" if major else None,
            change_note="Corrected under chaos." if major else "",
        )  # fmt: skip
        return await self._until_accepted(PUBLICATION_COMMANDS, make, again) is not None

    async def correct(self) -> bool:
        return await self._drafting(
            lambda: StartCorrection(release_id=self.release_id, actor=ALICE)
        )

    async def withdraw(self) -> bool:
        make = lambda: WithdrawRelease(  # noqa: E731
            release_id=self.release_id, actor=CAROL, explanation="Withdrawn under chaos."
        )
        return await self._until_accepted(PUBLICATION_COMMANDS, make) is not None

    async def unpublish(self) -> bool:
        make = lambda: UnpublishRelease(  # noqa: E731
            release_id=self.release_id, actor=DAVE, unpublish_type="gone"
        )
        return await self._until_accepted(PUBLICATION_COMMANDS, make) is not None
