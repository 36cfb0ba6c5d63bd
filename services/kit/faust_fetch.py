"""faust's Kafka consumer with a fetch wait of our choosing instead of faust's fixed 1,500 ms.

aiokafka keeps one fetch request in flight per broker, and leaves out of it every partition whose
records are still in hand. So when a service was busy with one partition's records while the
request in flight long-polled the others, records arriving for the busy partition waited until
that request ran out: faust builds its consumer with `fetch_max_wait_ms=1500` and offers no
setting for it (faust/transport/drivers/aiokafka.py, `_create_worker_consumer`). Measured on the
pipeline, drafting sat idle for 1.3-1.5 s with 1,300 commands waiting on Kafka; 2,000 commands
back to back took 759-872 cmd/s with faust's wait and 1,311-1,594 with 100 ms (docs/benchmarks.md,
"A second and a half in a fetch"). The wait is `kafka_fetch_wait_ms` (services/kit/settings.py),
as for the projector's and the gateway's own consumers.
"""

from __future__ import annotations

from typing import Any, ClassVar

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka

from services.kit.faust_delivery import EagerDelivery


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # Read by AIOKafkaConsumer.start() when it builds its fetcher, which has not happened yet.
        consumer._fetch_max_wait_ms = transport.fetch_wait_ms
        return consumer


class _Consumer(EagerDelivery, faust_aiokafka.Consumer):
    """faust's consumer, its records delivered eagerly (services/kit/faust_delivery.py)."""

    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class PromptTransport(faust_aiokafka.Transport):
    """faust's aiokafka transport, whose consumer long-polls at most `fetch_wait_ms`."""

    Consumer: ClassVar[Any] = _Consumer

    def __init__(self, app: faust.App, fetch_wait_ms: int) -> None:
        super().__init__(app.conf.broker_consumer, app)
        self.fetch_wait_ms = fetch_wait_ms


def use_fetch_wait(app: faust.App, fetch_wait_ms: int) -> None:
    """Before the app's consumer is made (bootstrap, right after the app)."""
    app.transport = PromptTransport(app, fetch_wait_ms)
