"""Tried as a newcomer would: `make up`, the exports it prints, then `make test` in the same
shell. The test stack took the dev stack's keys file from the shell while its gateway signed with
a key of its own: every command over HTTP was refused (403), `tests/e2e` failed throughout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.infra_fixture import DEV_STACK_KEY_SETTINGS, keys_of_the_test_stack


def test_the_test_stack_uses_keys_of_its_own_whatever_the_shell_exported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev = tmp_path / "dev" / "keys"
    monkeypatch.setenv("PRESSROOM_DATA_DIR", str(tmp_path / "test"))
    monkeypatch.setenv("PRESSROOM_COMMAND_KEYS_FILE", str(dev / "command-keys.yaml"))
    monkeypatch.setenv("PRESSROOM_COMMAND_SIGNING_KEY", str(dev / "dev-tools-local.pem"))
    monkeypatch.setenv("PRESSROOM_COMMAND_SIGNING_KEY_ID", "dev-tools-local")
    env = keys_of_the_test_stack(os.environ)
    assert Path(env["PRESSROOM_COMMAND_KEYS_FILE"]).is_relative_to(tmp_path / "test")
    assert Path(env["PRESSROOM_COMMAND_SIGNING_KEY"]).is_relative_to(tmp_path / "test")
    assert not any(name in os.environ for name in DEV_STACK_KEY_SETTINGS)
