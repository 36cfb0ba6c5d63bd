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


# In a child process: a heap fragmented the way a burst leaves it (the kept blocks pin the pages
# around them, so glibc cannot give the freed ones back from the top), then the trimmer.
TRIM = """
import time
from services.kit.heap import HEAP_TRIMS, trim_heap_every

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

blocks = [bytearray(2_000 + i % 2_000) for i in range(60_000)]
kept = blocks[::8]
del blocks
freed = rss_mb()
trimmer = trim_heap_every(0.05)
deadline = time.monotonic() + 30
while HEAP_TRIMS._count.get() < 1 and time.monotonic() < deadline:
    time.sleep(0.05)
print(freed, rss_mb(), HEAP_TRIMS._count.get(), trimmer.daemon, trim_heap_every(0))
"""


def test_the_trimmer_hands_freed_heap_pages_back_and_zero_turns_it_off() -> None:
    done = subprocess.run(
        [sys.executable, "-c", TRIM], capture_output=True, text=True, timeout=90, check=False
    )
    assert done.returncode == 0, done.stderr
    freed, trimmed, trims, daemon, off = done.stdout.split()
    # ~180 MB allocated, 7/8 of it freed: glibc's free() alone kept nearly all of it.
    assert float(freed) > 150, done.stdout
    assert float(trimmed) < float(freed) - 60, done.stdout  # the trimmer gave it back
    assert float(trims) >= 1 and daemon == "True"
    assert off == "None"  # an interval of 0: no thread
