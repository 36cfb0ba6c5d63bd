"""An approval bot talking to Pressroom through Kafka alone (aiokafka and the `events` contract):
it signs its stage off, or rejects the release if title, summary or body holds a banned word.
Run it with --help, or see README.md beside it."""

import argparse
import asyncio
import contextlib
import itertools
import logging
import re
import signal
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from events.actor import Actor
from events.approval import ApprovalRequested, ApproveStage, RejectRelease
from events.base import Message
from events.catalog import REGISTRY
from events.content import ReleaseContent
from events.drafting import DraftCreated, DraftRevised
from events.envelope import Envelope, deterministic_id
from events.kafka import KafkaRecord, UndecodableMessage, decode, encode
from events.replies import CommandOutcome
from events.topics import APPROVAL_COMMANDS, APPROVAL_EVENTS, DRAFTING_EVENTS, REPLIES
from services.kit.command_keys import load_signer
from services.kit.kafka_clients import client_kwargs

log = logging.getLogger("banned-words-bot")


def load_words(path: Path) -> list[str]:
    """One word or phrase a line; blank lines and lines starting with # are skipped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def banned_word_in(content: ReleaseContent, words: list[str]) -> tuple[str, str] | None:
    """The first (word, field) found, as a whole word and in any case; None when clean."""
    for field, word in itertools.product(("title", "summary", "body"), words):
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", getattr(content, field), re.IGNORECASE):
            return word, field
    return None


def verdict(
    request: ApprovalRequested, content: ReleaseContent, words: list[str], me: Actor, stage: str
) -> ApproveStage | RejectRelease:
    """The bot's whole judgement, pure: reject naming the word, or approve what it read."""
    found = banned_word_in(content, words)
    if found is not None:
        word, field = found
        return RejectRelease(
            release_id=request.release_id, actor=me, stage=stage, revision=request.revision,
            reason=f"the {field} contains the banned word '{word}'",
        )  # fmt: skip
    return ApproveStage(
        release_id=request.release_id, actor=me, stage=stage, revision=request.revision,
        content_hash=request.content_hash, comment="No banned words found.",
    )  # fmt: skip


class Bot:
    """Reviews each approval request for its stage and logs the outcome of its answer."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args, self.words = args, load_words(args.words)
        self.me = Actor(id=args.actor, roles=[args.role], organisation=args.organisation)
        self.drafts = AIOKafkaConsumer(**client_kwargs(args.bootstrap), enable_auto_commit=False)
        self.replies = AIOKafkaConsumer(**client_kwargs(args.bootstrap), enable_auto_commit=False)
        self.producer = AIOKafkaProducer(**client_kwargs(args.bootstrap), acks="all")
        # Its own key: approval takes its commands only as far as the keys file lets that key.
        self.signer = load_signer(args.signing_key, args.signing_key_id)
        self.contents: dict[tuple[str, str], ReleaseContent] = {}  # by (release, content hash)

    async def start(self) -> None:
        await asyncio.gather(self.drafts.start(), self.replies.start(), self.producer.start())
        # Neither joins a group: every run reads all drafts, and the replies from now on.
        self.drafts.assign(await partitions(self.args.bootstrap, DRAFTING_EVENTS))
        await self.drafts.seek_to_beginning()
        self.replies.assign(await partitions(self.args.bootstrap, REPLIES))
        for tp, end in (await self.replies.end_offsets(list(self.replies.assignment()))).items():
            self.replies.seek(tp, end)  # then it reads forward: answers to what it sends

    async def stop(self) -> None:
        await asyncio.gather(self.drafts.stop(), self.replies.stop(), self.producer.stop())

    async def review(self, record: KafkaRecord) -> None:
        try:
            event = decode(record, REGISTRY)
        except UndecodableMessage as error:
            log.warning("skipped an unreadable record: %s", error)
            return
        if not isinstance(request := event.data, ApprovalRequested) or not self._concerns(request):
            return
        content = await self.content_of(request.release_id, request.content_hash)
        if content is None:
            log.error("no content %s for %s: skipped", request.content_hash, request.release_id)
            return
        command = verdict(request, content, self.words, self.me, self.args.stage)
        outcome = await self.send(command, event)
        detail = outcome.problem.detail if outcome and outcome.problem else ""
        answer = f"{outcome.status.value} {detail}".rstrip() if outcome else "no reply in time"
        log.info("%s %s, revision %d: %s", command.type, event.subject, request.revision, answer)

    def _concerns(self, request: ApprovalRequested) -> bool:
        ours = self.args.organisation is None or request.organisation == self.args.organisation
        return ours and any(stage.name == self.args.stage for stage in request.stages)

    async def content_of(self, release_id: str, content_hash: str) -> ReleaseContent | None:
        """Approval asks only after drafting published the content, so one catch-up suffices."""
        ends = await self.drafts.end_offsets(list(self.drafts.assignment()))
        while (release_id, content_hash) not in self.contents and any(
            [await self.drafts.position(tp) < end for tp, end in ends.items()]
        ):
            for records in (await self.drafts.getmany(timeout_ms=1000)).values():
                for r in records:
                    self._remember(KafkaRecord(r.key, r.value, list(r.headers)))
        return self.contents.get((release_id, content_hash))

    def _remember(self, record: KafkaRecord) -> None:
        with contextlib.suppress(UndecodableMessage):  # not ours to judge: drafting's consumers are
            event = decode(record, REGISTRY).data
            if isinstance(event, DraftCreated | DraftRevised):
                self.contents[(event.release_id, event.content_hash)] = event.content

    async def send(self, command: Message, cause: Envelope[Message]) -> CommandOutcome | None:
        """The id derives from the request: after a crash, the resent command is the same one."""
        command_id = deterministic_id(cause.id, self.me.id, self.args.stage)
        envelope = Envelope[Message](
            id=command_id, source=f"/bots/{self.me.id}", time=datetime.now(UTC),
            subject=cause.subject, data=command, correlation_id=cause.correlation_id,
            causation_id=cause.id, actor=self.me.id,
        )  # fmt: skip
        record = self.signer.sign(encode(envelope))
        await self.producer.send_and_wait(
            APPROVAL_COMMANDS, record.value, key=record.key, headers=record.headers
        )
        return await self._reply(command_id.encode())

    async def _reply(self, key: bytes) -> CommandOutcome | None:
        """Reads pressroom.replies forward (skipping others' answers) until its key shows."""
        give_up = asyncio.get_running_loop().time() + self.args.reply_timeout
        while asyncio.get_running_loop().time() < give_up:
            for records in (await self.replies.getmany(timeout_ms=500)).values():
                for r in (r for r in records if r.key == key):
                    reply = decode(KafkaRecord(r.key, r.value, list(r.headers)), REGISTRY).data
                    return reply if isinstance(reply, CommandOutcome) else None
        return None


async def partitions(bootstrap: str, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap))  # consumers know subscribed ones only
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return [TopicPartition(topic, p["partition"]) for p in described["partitions"]]


async def run(args: argparse.Namespace) -> None:
    """A consumer-group member: it commits after each request, so a restart resumes there."""
    group = args.group or f"pressroom-bot-{args.actor}"
    requests = AIOKafkaConsumer(
        APPROVAL_EVENTS, **client_kwargs(args.bootstrap), group_id=group,
        enable_auto_commit=False, auto_offset_reset="earliest",
    )  # fmt: skip
    bot, me = Bot(args), asyncio.current_task()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, me.cancel)  # type: ignore[union-attr]
    await asyncio.gather(bot.start(), requests.start())
    log.info("%s reviews stage '%s' as group %s", args.actor, args.stage, group)
    try:
        async for r in requests:
            await bot.review(KafkaRecord(r.key, r.value, list(r.headers)))
            await requests.commit()
    finally:
        await asyncio.gather(requests.stop(), bot.stop())


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Approves or rejects releases for one stage.")
    parser.add_argument("--bootstrap", default="127.0.0.1:19092", help="Kafka host:port")
    parser.add_argument("--actor", required=True, help="its identity, e.g. compliance-bot")
    parser.add_argument("--role", required=True, help="its role, e.g. approver:compliance")
    parser.add_argument("--stage", required=True, help="the stage it signs, e.g. compliance")
    parser.add_argument("--words", required=True, type=Path, help="banned words, one a line")
    parser.add_argument("--organisation", help="review only this organisation's releases")
    parser.add_argument("--group", help="consumer group (default: pressroom-bot-<actor>)")
    parser.add_argument("--signing-key", required=True, type=Path, help="its Ed25519 key (PEM)")
    parser.add_argument("--signing-key-id", required=True, help="that key's id in the keys file")
    parser.add_argument("--reply-timeout", type=float, default=30.0, help="seconds")
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):  # SIGINT, SIGTERM
        asyncio.run(run(arguments()))
