"""`pressroom serve` as a real subprocess with its health port, and probes of that port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.kit.settings import REPO_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    health_port: int
    log: Path

    def get(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body of GET path on the health port; (0, "", b"") if down."""
        url = f"http://127.0.0.1:{self.health_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()
        except OSError:
            return 0, "", b""

    def readyz(self) -> dict[str, Any] | None:
        status, _, body = self.get("/readyz")
        return json.loads(body) if status == 200 else None

    def sigterm(self) -> float:
        """Sends SIGTERM and waits for the exit; returns the seconds it took."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def serve(name: str, log: Path, **env: str) -> Served:
    """`pressroom serve NAME` with a health port of its own; the test stack's PRESSROOM_*."""
    port = free_port()
    settings_env = {**os.environ, "PRESSROOM_HEALTH_PORT": str(port), **env}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", name], cwd=REPO_ROOT, env=settings_env,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    return Served(process, port, log)
