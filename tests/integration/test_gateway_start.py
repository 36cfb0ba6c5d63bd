"""The gateway process refuses to start when no way to authenticate anyone is configured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from services.kit.settings import REPO_ROOT


def test_the_gateway_process_exits_with_the_message_when_nothing_is_configured(
    tmp_path: Path,
) -> None:
    env = {"PATH": "/usr/bin:/bin", "PRESSROOM_DATA_DIR": str(tmp_path)}
    finished = subprocess.run(
        [sys.executable, "-m", "services.gateway"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert finished.returncode == 2
    assert "PRESSROOM_DEMO_TOKENS=true" in finished.stderr
