"""Tried as a newcomer would: `pressroom up` with only PRESSROOM_COMMAND_KEYS_FILE exported (not
the signing key lines `make up` prints with it) started all but the gateway, which exited at once
with "No command signing key: set PRESSROOM_COMMAND_SIGNING_KEY …", and `up` then waited its
whole 90 s before saying the gateway was not ready. It now stops as soon as the supervisor's
state shows a process down again after two restarts, and shows the end of its log. No broker or
database here: a refused port stands in for the gateway, a state file and a log for the
supervisor's."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import typer

from dev_tools.cli.stack import _wait_until_ready
from dev_tools.stack.supervisor import state_file
from services.kit.settings import Settings

pytestmark = pytest.mark.integration
WHY = "pressroom gateway: No command signing key: set PRESSROOM_COMMAND_SIGNING_KEY"


def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_up_stops_waiting_for_a_gateway_that_exits_at_every_start_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, gateway_port=refused_port())
    state_file(settings).parent.mkdir(parents=True)
    state_file(settings).write_text(
        json.dumps({"gateway": {"pid": None, "restarts": 2, "last_exit": 2}})
    )
    log = tmp_path / "logs" / "gateway.log"
    log.parent.mkdir()
    log.write_text(f"starting\n{WHY} (a PEM Ed25519 private key)\n")
    with pytest.raises(typer.Exit) as stopped:
        _wait_until_ready(settings)
    assert stopped.value.exit_code == 1
    said = capsys.readouterr().out
    assert "gateway exits as soon as it starts" in said and WHY in said.replace("\n", "")
