"""Python's cycle collector, set for a long-running service: what bootstrap made is frozen out of
its walks, and it walks the young objects seldom.

Measured on the pipeline (docs/benchmarks.md, "The cycle collector"): with the defaults, drafting
spent a quarter of its CPU in the collector (980 ms of thread CPU for 4,000 commands; full
collections of 120 ms each, pauses of the whole event loop), walking again and again the
120,000 objects that imports and bootstrap leave (modules, pydantic's validators, faust's and
aiokafka's machinery) and the messages a backlog keeps buffered. Frozen and with a young
threshold of 50,000, the same run spent 18 ms in it. The services make few reference cycles:
reference counting frees nearly everything, so collecting seldom keeps little garbage longer."""

from __future__ import annotations

import gc

from prometheus_client import Gauge

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
