"""The ACL plan of `pressroom kafka acls` (operator_tools/kafka_acls.py), pure: least privilege
per principal, as docs/security.md's table says."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from events.topics import COMMAND_TOPICS, EVENT_TOPICS
from operator_tools.kafka_acls import Grant, acl_plan
from services.kit.settings import Settings


def writes(grants: list[Grant], principal: str) -> set[str]:
    return {
        g.name
        for g in grants
        if g.principal == principal and g.operation in ("WRITE", "ALL") and g.resource == "TOPIC"
    }


def test_each_service_writes_only_its_own_events_its_dead_letters_and_the_replies() -> None:
    grants = acl_plan()
    assert writes(grants, "User:pressroom-drafting") == {
        "pressroom.drafting.events", "pressroom.drafting.dlq", "pressroom.replies",
        "pressroom-drafting-",  # faust's own topics (prefixed)
    }  # fmt: skip
    assert writes(grants, "User:pressroom-gateway") == set(COMMAND_TOPICS)
    assert writes(grants, "User:pressroom-projector") == set()


def test_only_the_admin_creates_topics_and_a_bot_writes_only_approval_commands() -> None:
    grants = acl_plan(bots=["compliance"])
    creators = {g.principal for g in grants if g.operation == "CREATE"}
    assert creators == {"User:pressroom-admin"}
    assert writes(grants, "User:bot-compliance") == {"pressroom.approval.commands"}
    assert not any(g.name in EVENT_TOPICS for g in grants if g.principal == "User:bot-compliance"
                   and g.operation == "WRITE")  # fmt: skip


def test_another_prefix_names_other_principals() -> None:
    principals = {g.principal for g in acl_plan(prefix="prod-")}
    assert "User:prod-approval" in principals
    assert not any(p.startswith("User:pressroom-") for p in principals)


@pytest.fixture
def logging_kept() -> Iterator[None]:
    """A service's bootstrap configures the process's logging: put it back for the next test."""
    before = structlog.get_config()
    yield
    structlog.configure(**before)
    structlog.contextvars.clear_contextvars()


@pytest.mark.usefixtures("logging_kept")
@pytest.mark.parametrize("service", ["drafting", "approval", "embargo", "publication"])
def test_each_service_may_read_exactly_the_topics_its_agents_consume(
    service: str, tmp_path: Path
) -> None:
    """The plan's reads come from a table; the agents are the truth (embargo's agent on
    publication's events had no grant, so embargo crashed under an authorizer)."""
    settings = Settings(_env_file=None, data_dir=tmp_path)
    app, _ = importlib.import_module(f"services.{service}.bootstrap").bootstrap(settings)
    consumed = {topic for agent in app.agents.values() for topic in agent.channel.topics}
    principal = f"User:pressroom-{service}"
    read = {
        g.name
        for g in acl_plan()
        if g.principal == principal and g.operation == "READ" and g.resource == "TOPIC"
    }
    assert read == consumed
