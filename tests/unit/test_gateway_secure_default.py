"""Secure by default: no tokens configured means no gateway, unless demo tokens are asked for."""

from __future__ import annotations

import pytest

from services.gateway.app import create_app
from services.gateway.auth import TokenFileError
from services.kit.settings import Settings
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.read_model import FakeReadModel


def test_a_gateway_without_tokens_file_refuses_to_start_and_says_what_to_configure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("PRESSROOM_TOKENS_FILE", "PRESSROOM_DEMO_TOKENS", "PRESSROOM_OIDC_ISSUER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(TokenFileError) as refused:
        create_app(Settings(), bus=FakeCommandBus(respond=lambda _: None), reads=FakeReadModel())
    message = str(refused.value)
    assert "PRESSROOM_TOKENS_FILE" in message
    assert "PRESSROOM_OIDC_ISSUER" in message
    assert "PRESSROOM_DEMO_TOKENS=true" in message


def test_the_demo_tokens_load_only_when_asked_for() -> None:
    app = create_app(
        Settings(demo_tokens=True),
        bus=FakeCommandBus(respond=lambda _: None),
        reads=FakeReadModel(),
    )
    assert app.state.gateway.tokens.authenticate("dev-olga") is not None
