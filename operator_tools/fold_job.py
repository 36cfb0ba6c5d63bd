"""What one rebuild worker process folds: a group of partition numbers of the log, into a fresh
schema, told over standard input as JSON; and what it reports back on standard output."""

from __future__ import annotations

from collections.abc import Mapping

from aiokafka import TopicPartition
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from operator_tools.fold import FoldStats, Window
from operator_tools.kafka_io import OffsetRange, Ranges


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JobRange(_Strict):
    topic: str = Field(min_length=1)
    partition: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class FoldJob(_Strict):
    """Everything a worker needs; the DSN travels here, not on the command line, where `ps`
    would show its password."""

    kafka_bootstrap: str = Field(min_length=1)
    pg_dsn: str = Field(min_length=1)
    schema_name: str = Field(min_length=1)
    consumer: str | None  # offsets stored under this name; None: never touch them
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    ranges: list[JobRange]

    @classmethod
    def of(
        cls,
        kafka_bootstrap: str,
        pg_dsn: str,
        target: tuple[str, str | None],
        window: Window,
        ranges: Mapping[TopicPartition, OffsetRange],
    ) -> FoldJob:
        schema_name, consumer = target
        return cls(
            kafka_bootstrap=kafka_bootstrap,
            pg_dsn=pg_dsn,
            schema_name=schema_name,
            consumer=consumer,
            since=window.since,
            until=window.until,
            ranges=[
                JobRange(topic=tp.topic, partition=tp.partition, start=r.start, end=r.end)
                for tp, r in ranges.items()
            ],
        )

    @property
    def window(self) -> Window:
        return Window(self.since, self.until)

    def offset_ranges(self) -> Ranges:
        return {
            TopicPartition(r.topic, r.partition): OffsetRange(r.start, r.end) for r in self.ranges
        }


class WorkerTotals(_Strict):
    read: int = Field(ge=0)
    folded: int = Field(ge=0)
    dead_letters: int = Field(ge=0)

    @classmethod
    def of(cls, stats: FoldStats) -> WorkerTotals:
        return cls(read=stats.read, folded=stats.folded, dead_letters=stats.dead_letters)


class WorkerReport(_Strict):
    """One line of a worker's standard output: records read since the last line, and, on the
    last line, the worker's totals."""

    read: int = Field(default=0, ge=0)
    done: WorkerTotals | None = None
