"""What `pressroom up` asks for by name on the developer's behalf about email: plain text to a
mailsink on this machine, never to another host, and never over a choice made in the shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from dev_tools.stack.local_secrets import local_secret_env, on_this_machine
from services.kit.settings import Settings


@pytest.fixture(autouse=True)
def no_smtp_security_in_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRESSROOM_SMTP_SECURITY", raising=False)


def test_email_to_the_local_mailsink_is_plain_text_and_said_so(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=1025)
    env, warnings = local_secret_env(settings)

    assert env["PRESSROOM_SMTP_SECURITY"] == "plaintext"
    assert any("email goes to 127.0.0.1:1025 in plain text" in w for w in warnings)


def test_a_relay_elsewhere_keeps_starttls_required(tmp_path: Path) -> None:
    env, warnings = local_secret_env(Settings(data_dir=tmp_path, smtp_host="smtp.example.org"))

    assert "PRESSROOM_SMTP_SECURITY" not in env
    assert not any("plain text" in w for w in warnings)


def test_a_choice_in_the_shell_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSROOM_SMTP_SECURITY", "starttls")

    env, _ = local_secret_env(Settings(data_dir=tmp_path, smtp_host="127.0.0.1"))

    assert "PRESSROOM_SMTP_SECURITY" not in env


@pytest.mark.parametrize(
    ("host", "local"),
    [("127.0.0.1", True), ("127.0.0.53", True), ("::1", True), ("[::1]", True),
     ("localhost", True),
     ("10.0.0.5", False), ("mailsink", False), ("smtp.example.org", False)],
)  # fmt: skip
def test_what_counts_as_this_machine(host: str, local: bool) -> None:
    assert on_this_machine(host) is local
