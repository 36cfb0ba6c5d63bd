"""The services' faust workers run on uvloop, the thread of faust's Kafka consumer included."""

from __future__ import annotations

import subprocess
import sys

# In a child process: the policy is process-wide and would change every later test's loop.
CHECK = """
import uvloop
from mode.threads import ServiceThread
from services.kit.worker import use_uvloop

loop = use_uvloop()
consumer_thread = ServiceThread()  # what faust runs its aiokafka consumer in
print(type(loop).__module__, type(consumer_thread.thread_loop).__module__)
"""


def test_the_worker_loop_and_the_consumer_threads_loop_are_uvloop() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["uvloop", "uvloop"]
