"""A bad PRESSROOM_* variable, as an operator deploying the image meets it: named, with what is
wrong, never with its value (a DSN or a password may be in it)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.kit.settings import Settings, invalid_settings


def problem(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as raised:
        Settings()
    return invalid_settings(raised.value)


def test_each_bad_variable_is_named_without_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    message = problem(
        monkeypatch, PRESSROOM_PG_PORT="hunter2-secret", PRESSROOM_TOPIC_PARTITIONS="0"
    )
    assert "hunter2" not in message
    assert "PRESSROOM_PG_PORT: Input should be a valid integer" in message
    assert "PRESSROOM_TOPIC_PARTITIONS: Input should be greater than or equal to 1" in message


def test_a_port_out_of_range_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    message = problem(monkeypatch, PRESSROOM_GATEWAY_PORT="99999")
    assert "PRESSROOM_GATEWAY_PORT: Input should be less than or equal to 65535" in message


def test_the_log_level_is_a_level_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSROOM_LOG_LEVEL", " debug")
    assert Settings().log_level == "DEBUG"
    message = problem(monkeypatch, PRESSROOM_LOG_LEVEL="verbose")
    assert "PRESSROOM_LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or" in message
