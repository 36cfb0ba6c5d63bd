"""The read models equal a fresh fold of the log: `pressroom projections verify`."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from services.kit.settings import REPO_ROOT
from tests.chaos.invariants import Verdict

VERIFY_S = 600


async def read_models_equal_a_fresh_fold() -> Verdict:
    verdict = Verdict("read models = a fresh fold (projections verify)", checked=1)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "cli.main", "projections", "verify", "projections"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=VERIFY_S, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        verdict.fail(f"projections verify exited {done.returncode}:\n{done.stdout[-3000:]}")
    return verdict
