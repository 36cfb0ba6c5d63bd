"""The gateway process: refuses to start when no way to authenticate anyone is configured; once
serving, names no server software and can serve /metrics on a port of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from dev_tools.infra.processes import tail
from dev_tools.stack import keys as stack_keys
from dev_tools.stack.processes import AppProcess
from services.kit.settings import REPO_ROOT, Settings
from tests.support import WAIT_S, eventually


def test_the_gateway_process_exits_with_the_message_when_nothing_is_configured(
    tmp_path: Path,
) -> None:
    # Its command signing key is there: what is missing is every way to authenticate callers.
    keys = Settings(data_dir=tmp_path)
    stack_keys.ensure_keys(keys)
    env = {
        "PATH": "/usr/bin:/bin", "PRESSROOM_DATA_DIR": str(tmp_path),
        **stack_keys.signing_env(keys, stack_keys.GATEWAY),
    }  # fmt: skip
    finished = subprocess.run(
        [sys.executable, "-m", "services.gateway"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert finished.returncode == 2
    assert "PRESSROOM_DEMO_TOKENS=true" in finished.stderr


async def test_a_served_gateway_names_no_server_and_serves_metrics_on_their_own_port(
    infra: Settings, tmp_path: Path
) -> None:
    api_port, metrics_port = infra.gateway_port + 1, infra.gateway_port + 2
    env = {
        "PRESSROOM_DATA_DIR": str(tmp_path), "PRESSROOM_GATEWAY_PORT": str(api_port),
        "PRESSROOM_METRICS_PORT": str(metrics_port), "PRESSROOM_DEMO_TOKENS": "true",
    }  # fmt: skip
    gateway = AppProcess("gateway", Settings(data_dir=tmp_path))
    gateway.start(env)
    try:
        async with httpx.AsyncClient(timeout=WAIT_S) as http:

            async def answers() -> httpx.Response | None:
                try:
                    return await http.get(f"http://127.0.0.1:{api_port}/healthz")
                except httpx.TransportError:
                    return None

            health = await eventually(answers, what=f"the gateway:\n{tail(gateway.log_file)}")
            assert "server" not in health.headers
            assert (await http.get(f"http://127.0.0.1:{api_port}/metrics")).status_code == 404
            metrics = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
            assert metrics.status_code == 200 and "server" not in metrics.headers
            assert "pressroom_" in metrics.text
            assert (await http.get(f"http://127.0.0.1:{metrics_port}/v1/feed")).status_code == 404
    finally:
        gateway.stop()
    assert gateway.pid() is None
