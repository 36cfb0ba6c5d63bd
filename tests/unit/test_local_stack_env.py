"""What the local and test stacks ask of the gateway: the demo tokens only when nothing else is
configured, and no rate limits unless the environment sets them; what a tool beside the local
stack signs with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dev_tools.stack import keys as local_keys
from dev_tools.stack.keys import tool_signing_env
from dev_tools.stack.processes import local_stack_env
from services.kit.settings import Settings


@pytest.fixture(autouse=True)
def no_limits_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FAILED_AUTH", "WRITES_PER_PRINCIPAL", "WRITES_PER_ADDRESS"):
        monkeypatch.delenv(f"PRESSROOM_RATE_LIMIT_{name}", raising=False)


def test_the_local_stack_asks_for_the_demo_tokens_when_nothing_is_configured() -> None:
    assert local_stack_env(Settings(tokens_file=None))["PRESSROOM_DEMO_TOKENS"] == "true"


@pytest.mark.parametrize(
    "configured",
    [{"tokens_file": Path("/etc/pressroom/tokens.yaml")}, {"oidc_issuer": "https://idp"}],
)
def test_configured_tokens_are_never_replaced_by_the_demo(configured: dict[str, Any]) -> None:
    assert "PRESSROOM_DEMO_TOKENS" not in local_stack_env(Settings(**configured))


def test_rate_limits_are_lifted_unless_set_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    assert local_stack_env(Settings())["PRESSROOM_RATE_LIMIT_WRITES_PER_PRINCIPAL"] == "0"
    monkeypatch.setenv("PRESSROOM_RATE_LIMIT_WRITES_PER_PRINCIPAL", "5")
    assert "PRESSROOM_RATE_LIMIT_WRITES_PER_PRINCIPAL" not in local_stack_env(Settings())


def test_a_tool_beside_the_local_stack_signs_with_the_key_the_stack_made(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, command_keys_file=None, command_signing_key=None)
    assert tool_signing_env(settings) == {}  # no stack made here: the tool says what to set
    local_keys.ensure_keys(settings)
    env = tool_signing_env(settings)
    assert env["PRESSROOM_COMMAND_SIGNING_KEY_ID"] == local_keys.DEV_TOOLS.key_id
    assert Path(env["PRESSROOM_COMMAND_SIGNING_KEY"]).is_file()


def test_a_configured_signing_key_is_never_replaced_by_the_local_one(tmp_path: Path) -> None:
    local_keys.ensure_keys(Settings(data_dir=tmp_path))
    own = Settings(data_dir=tmp_path, command_signing_key=tmp_path / "own.pem")
    assert tool_signing_env(own) == {}
    assert tool_signing_env(Settings(data_dir=tmp_path, insecure_unsigned_commands=True)) == {}
