"""Logs as an operator reads them: with PRESSROOM_LOG_JSON=true (the image's and the chart's
default) every line is JSON, the libraries' lines too, and an exception keeps its traceback;
never the frames' local variables, where tokens and passwords sit."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from mode.utils.logging import setup_logging

from services.kit.logging import configure_logging, standard_library_logging
from services.kit.settings import Settings

SECRET = "s3cret-bearer-token"
# A library's logger of its own: others' levels (the operators' tools quiet aiokafka's) stay theirs.
LIBRARY = "tests.a_library"


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    root.handlers[:] = handlers
    root.setLevel(level)


def fail_with_a_secret_in_scope(token: str) -> None:
    raise ValueError("the broker said no")


def log_everything() -> None:
    log = structlog.get_logger()
    try:
        fail_with_a_secret_in_scope(SECRET)
    except ValueError:
        log.exception("message_failed", offset=7)
    logging.getLogger(f"{LIBRARY}.consumer").warning("Heartbeat failed for group %s", "g1")
    try:
        fail_with_a_secret_in_scope(SECRET)
    except ValueError:
        logging.getLogger(f"{LIBRARY}.conn").exception("Unable to request metadata")


def json_lines(text: str) -> list[dict[str, object]]:
    lines = [line for line in text.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # fails on any line that is not JSON


def test_json_lines_keep_the_traceback_and_carry_the_libraries_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(Settings(log_json=True), "drafting")
    log_everything()
    err = capsys.readouterr().err
    assert SECRET not in err
    ours, theirs, their_failure = json_lines(err)
    assert ours["event"] == "message_failed" and ours["level"] == "error"
    assert ours["service"] == "drafting" and ours["offset"] == 7
    raised = ours["exception"][0]  # type: ignore[index]
    assert raised["exc_type"] == "ValueError" and raised["exc_value"] == "the broker said no"
    assert [f["name"] for f in raised["frames"]][-1] == "fail_with_a_secret_in_scope"
    assert theirs["event"] == "Heartbeat failed for group g1"
    assert theirs["logger"] == f"{LIBRARY}.consumer" and theirs["level"] == "warning"
    assert their_failure["exception"][0]["exc_type"] == "ValueError"  # type: ignore[index]


def test_faust_workers_keep_the_same_handler(capsys: pytest.CaptureFixture[str]) -> None:
    """faust's worker clears the root handlers at start and applies the config it was given
    (mode's setup_logging, as services/kit/worker.py hands it ours)."""
    settings = Settings(log_json=True)
    configure_logging(settings, "approval")
    setup_logging(loglevel="info", logging_config=standard_library_logging(settings))
    logging.getLogger("faust.worker").info("[^Worker]: Ready")
    lines = json_lines(capsys.readouterr().err)
    assert lines[-1]["event"] == "[^Worker]: Ready" and lines[-1]["service"] == "approval"


def test_console_lines_show_the_traceback_but_no_locals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(Settings(log_json=False), "gateway")
    log_everything()
    err = capsys.readouterr().err
    assert SECRET not in err
    assert "Traceback (most recent call last)" in err and "ValueError: the broker said no" in err
    assert "Heartbeat failed for group g1" in err and f"[{LIBRARY}.consumer]" in err
