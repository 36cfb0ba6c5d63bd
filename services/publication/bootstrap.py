"""Wires the publication service: settings, logging, faust app, agents, policies, relay and the
delivery workers."""

from __future__ import annotations

from dataclasses import replace

import faust
import structlog

from services.kit.faust_app import create_app
from services.kit.handler import CommandHandler
from services.kit.logging import configure_logging
from services.kit.runtime import ServiceRuntime
from services.kit.sealing import secret_box
from services.kit.settings import Settings, load_settings
from services.publication.agents import register_agents
from services.publication.decider import PUBLICATION
from services.publication.delivery_tables import (
    RetryPolicy,
    release_tables_writer,
    subscriber_tables_writer,
)
from services.publication.delivery_worker import DeliveryWorker
from services.publication.reactions import (
    reaction_to_approval,
    reaction_to_drafting,
    reaction_to_embargo,
)
from services.publication.senders import Senders, SmtpSettingsError, smtp_login
from services.publication.subscriber_decider import SUBSCRIBERS
from services.publication.subscriber_secrets import secret_keeper

log = structlog.get_logger()


def bootstrap(settings: Settings | None = None) -> tuple[faust.App, ServiceRuntime]:
    settings = settings or load_settings()
    configure_logging(settings, service="publication")
    runtime = ServiceRuntime(settings, PUBLICATION, migrations="services.publication.migrations")
    retry = RetryPolicy(
        settings.delivery_max_attempts, settings.delivery_backoff_s,
        settings.delivery_backoff_cap_s,
    )  # fmt: skip
    release_tables = release_tables_writer(runtime.schema, retry, settings.public_url)
    subscriber_tables = subscriber_tables_writer(runtime.schema)

    async def release_handler() -> CommandHandler:
        return replace(await runtime.handler(), after_append=release_tables)

    async def subscriber_handler() -> CommandHandler:
        """A subscriber's own stream: its decider, its tables, and its secret kept apart."""
        return replace(
            await runtime.handler(), decider=SUBSCRIBERS, after_append=subscriber_tables,
            after_accept=secret_keeper(runtime.schema),
        )  # fmt: skip

    senders = _senders(settings)

    async def run_deliveries() -> None:
        worker = DeliveryWorker(await release_handler(), senders, retry, settings.delivery_workers)
        await worker.run()

    app = create_app("publication", settings)
    register_agents(
        app, release_handler, subscriber_handler, on_approval=reaction_to_approval,
        on_embargo=reaction_to_embargo, on_drafting=reaction_to_drafting,
    )  # fmt: skip
    app.task(runtime.run_relay)
    # Every instance runs its workers: SKIP LOCKED hands each subscriber's next notice to one.
    app.task(run_deliveries)
    return app, runtime


def _senders(settings: Settings) -> Senders:
    """Made before anything starts: SMTP settings that cannot work stop the process, saying why."""
    try:
        return Senders(
            settings.delivery_timeout_s, settings.smtp_host, settings.smtp_port, settings.mail_from,
            secrets=secret_box(settings.secret_keys.get_secret_value()),
            allowed_networks=settings.webhook_networks, smtp_security=settings.smtp_security,
            smtp_login=smtp_login(settings.smtp_username, settings.smtp_password),
        )  # fmt: skip
    except SmtpSettingsError as error:
        log.error("refusing_to_start", reason=str(error))
        raise SystemExit(2) from error
