"""The example bot's pure judgement: whole words in any case, a reason naming the word."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from events.actor import Actor
from events.approval import ApprovalRequested, ApproveStage, RejectRelease, StagePlan
from events.content import ReleaseContent, content_hash
from services.kit.settings import REPO_ROOT

BOT = Actor(id="compliance-bot", roles=["approver:compliance"], organisation="botco")
WORDS = ["confidential", "not for publication"]


def bot_module() -> ModuleType:
    """The bot is a script, not a package: load it from its file."""
    path = REPO_ROOT / "examples" / "bots" / "banned_words_bot.py"
    spec = importlib.util.spec_from_file_location("banned_words_bot", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bot = bot_module()


def request_for(content: ReleaseContent) -> ApprovalRequested:
    return ApprovalRequested(
        release_id="rel-1", revision=3, content_hash=content_hash(content), organisation="botco",
        submitted_by="carol", authors=["carol"], policy="botco@1",
        stages=[StagePlan(name="compliance", roles=["approver:compliance"], step=0)],
        one_person_may_fill_several_stages=False,
    )  # fmt: skip


def test_clean_content_is_approved_for_the_revision_and_hash_the_bot_read() -> None:
    content = ReleaseContent(title="Confidentiality in trade talks", organisations=["botco"])
    request = request_for(content)
    command = bot.verdict(request, content, WORDS, BOT, "compliance")
    assert command == ApproveStage(
        release_id="rel-1", actor=BOT, stage="compliance", revision=3,
        content_hash=request.content_hash, comment="No banned words found.",
    )  # fmt: skip


def test_a_banned_phrase_in_any_case_rejects_naming_the_phrase_and_the_field() -> None:
    content = ReleaseContent(title="Talks", body="NOT for Publication: draft", organisations=["x"])
    command = bot.verdict(request_for(content), content, WORDS, BOT, "compliance")
    assert isinstance(command, RejectRelease) and command.revision == 3
    assert command.reason == "the body contains the banned word 'not for publication'"


def test_the_words_file_skips_blank_lines_and_comments(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# banned\n\n  confidential \nnot for publication\n")
    assert bot.load_words(words) == WORDS
