"""A service settles its heap before serving (services/kit/heap.py): what bootstrap made is
frozen out of the cycle collector's walks, and young collections come seldom."""

from __future__ import annotations

import subprocess
import sys

# In a child process: freezing and thresholds are process-wide and would change the test run's.
CHECK = """
import gc
from services.kit.heap import FROZEN_OBJECTS, YOUNG_THRESHOLD, settle_heap

import services.drafting.bootstrap  # what a service has made before serving
before = gc.get_freeze_count(), gc.get_threshold()
settle_heap()
after = gc.get_freeze_count(), gc.get_threshold()
print(before[0], before[1][0], after[0], after[1][0], YOUNG_THRESHOLD, FROZEN_OBJECTS._value.get())
"""


def test_settling_freezes_what_bootstrap_made_and_raises_the_young_threshold() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    frozen_before, young_before, frozen, young, threshold, gauge = done.stdout.split()
    assert (int(frozen_before), int(young_before)) == (0, 700)  # CPython's defaults
    assert int(frozen) > 10_000  # the modules, models and clients imported
    assert int(young) == int(threshold) == 50_000
    assert float(gauge) == int(frozen)  # on the service's /metrics
