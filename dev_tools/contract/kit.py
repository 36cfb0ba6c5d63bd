"""Builds the consumer kit's wheel (pressroom-events): contract/python/pyproject.toml staged beside
a copy of events/, so the package has one home and the wheel holds nothing else.

    python -m dev_tools.contract.kit OUT_DIR     # prints the wheel's path
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from services.kit.settings import REPO_ROOT

PROJECT = REPO_ROOT / "contract" / "python"
PACKAGE = REPO_ROOT / "events"


def build_wheel(out: Path) -> Path:
    """The wheel of the consumer kit, built into `out` with pip (the cache serves setuptools)."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pressroom-events-") as staging:
        stage = Path(staging)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(PROJECT / name, stage / name)
        shutil.copytree(PACKAGE, stage / "events", ignore=shutil.ignore_patterns("__pycache__"))
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out)]
        subprocess.run([*command, "--disable-pip-version-check", str(stage)], check=True)
    [wheel] = sorted(out.glob("pressroom_events-*.whl"), key=lambda p: p.stat().st_mtime)[-1:]
    return wheel


if __name__ == "__main__":
    print(build_wheel(Path(sys.argv[1] if len(sys.argv) > 1 else "build/contract")))
