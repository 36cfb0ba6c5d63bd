"""Python's cycle collector, set for a long-running service: what bootstrap made is frozen out of
its walks, and it walks the young objects seldom.

Measured on the pipeline (docs/benchmarks.md, "The cycle collector"): with the defaults, drafting
spent a quarter of its CPU in the collector (980 ms of thread CPU for 4,000 commands; full
collections of 120 ms each, pauses of the whole event loop), walking again and again the
120,000 objects that imports and bootstrap leave (modules, pydantic's validators, faust's and
aiokafka's machinery) and the messages a backlog keeps buffered. Frozen and with a young
threshold of 50,000, the same run spent 18 ms in it. The services make few reference cycles:
reference counting frees nearly everything, so collecting seldom keeps little garbage longer.

And glibc's free memory, handed back to the system every few seconds (`trim_heap_every`), as the
local broker does with its own (deploy/local/README.md)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time
from collections.abc import Callable

import structlog
from prometheus_client import Gauge, Summary

log = structlog.get_logger()

# Net new container objects (allocated less freed) between two young collections; CPython's
# default is 700, which a backlog of buffered records passes every few messages.
YOUNG_THRESHOLD = 50_000

FROZEN_OBJECTS = Gauge(
    "pressroom_python_frozen_objects",
    "Objects made before serving and left out of the cycle collector's walks"
    " (services/kit/heap.py)",
)


def settle_heap() -> None:
    """Once, after bootstrap and before serving: what exists now lives as long as the process."""
    gc.collect()  # first, so that no garbage is frozen with the rest
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    FROZEN_OBJECTS.set(gc.get_freeze_count())


HEAP_TRIMS = Summary(
    "pressroom_heap_trim_seconds",
    "Time spent handing glibc's free memory back to the system (services/kit/heap.py)",
)


def malloc_trim() -> Callable[[], object] | None:
    """glibc's `malloc_trim(0)`, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    if trim is None:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


def trim_heap_every(seconds: float) -> threading.Thread | None:
    """Hands glibc's free memory back every `seconds` (0: never), from a thread of its own.

    glibc returns memory to the system only from the top of its heap, and then only past a
    threshold that grows with the largest block ever freed; the pages freed inside the heap
    stay counted in the process's RSS. After a burst (a backlog of thousands of records, a
    storm of lifts) drafting kept 153 MB where 136 MB were in use. `malloc_trim` gives every
    whole free page back; it walks the free lists (about 1 ms a call at these sizes, 3-4 ms on
    a 150 MB heap) and ctypes releases the GIL for it, so the event loop runs meanwhile."""
    trim = malloc_trim() if seconds > 0 else None
    if trim is None:
        if seconds > 0:
            log.info("heap_trim_unavailable", reason="the C library has no malloc_trim")
        return None
    thread = threading.Thread(target=_trim_forever, args=(trim, seconds), name="heap-trim")
    thread.daemon = True  # dies with the process; nothing to finish
    thread.start()
    return thread


def _trim_forever(trim: Callable[[], object], seconds: float) -> None:
    while True:
        time.sleep(seconds)
        with HEAP_TRIMS.time():
            trim()
