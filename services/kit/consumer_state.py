"""What a Kafka consumer that lost its group is waiting on, said once before its process stops.

`make chaos` met the same stall twice (docs/reliability.md, "A consumer that never found its
group again"): after one failed coordinator look-up, aiokafka's coordination task never asked
again, and its client's metadata task, which every other consumer ran ten times a second while
the broker was away, ran no more. Plain aiokafka never stalled so in eight rounds of the same
faults. Whatever it waits on is only visible from inside the process, at the moment it is lost:
the group watch logs this, so the next meeting names the cause."""

from __future__ import annotations

import asyncio
from typing import Any

# Deep enough for aiokafka's chains (routine → ensure_* → client → connection); a cycle cannot
# make it loop.
MOST_LEVELS = 24


def where_it_waits(task: asyncio.Future[Any] | None) -> list[str]:
    """Each coroutine a task is suspended in, outermost first, then what the innermost awaits.
    `Task.get_stack` gives only the outermost frame of a suspended coroutine."""
    if task is None:
        return ["no task"]
    if task.cancelled():
        return ["cancelled"]
    if task.done():
        return [f"ended: {task.exception()!r}"]
    awaited: Any = task.get_coro() if isinstance(task, asyncio.Task) else task
    lines: list[str] = []
    while awaited is not None and len(lines) < MOST_LEVELS:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:  # a future's iterator: the task knows the future itself
            lines.append(f"awaits {getattr(task, '_fut_waiter', None) or awaited!r}")
            break
        code = frame.f_code
        lines.append(f"{code.co_filename}:{frame.f_lineno} {code.co_name}")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return lines


def consumer_state(consumer: Any) -> dict[str, Any]:
    """Where an AIOKafkaConsumer's coordination and metadata tasks wait (aiokafka's private
    attributes, read from another thread: a snapshot for a log line, never for a decision)."""
    try:
        coordinator = getattr(consumer, "_coordinator", None)
        client = getattr(consumer, "_client", None)
        return {
            "coordination": where_it_waits(getattr(coordinator, "_coordination_task", None)),
            "metadata_sync": where_it_waits(getattr(client, "_sync_task", None)),
            "metadata_update_asked": getattr(client, "_md_update_fut", None) is not None,
        }
    except Exception as error:
        return {"unreadable": repr(error)}
