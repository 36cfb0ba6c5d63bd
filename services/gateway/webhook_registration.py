"""POST /v1/subscribers as a command: the secret sealed before it leaves the gateway, and the
URL held to the deployment's rules for addresses at the door (the sender holds it again to every
resolved address at each attempt)."""

from __future__ import annotations

from urllib.parse import urlsplit

from events.actor import Actor
from events.subscribers import RegisterSubscriber, SubscriberTerms
from events.webhook_addresses import address_refusal, literal_address, url_problem
from services.gateway.problems import ProblemError
from services.kit.sealing import SealingError, secret_box
from services.kit.settings import Settings


def registration(
    terms: SubscriberTerms, subscriber_id: str, actor: Actor, settings: Settings
) -> RegisterSubscriber:
    """The command for these terms; 422 for a URL no webhook may use, 503 without keys."""
    fields = terms.model_dump(exclude={"secret"})
    if terms.channel != "webhook" or terms.url is None or terms.secret is None:
        return RegisterSubscriber(subscriber_id=subscriber_id, actor=actor, **fields)
    _check_url(terms.url, settings)
    try:
        box = secret_box(settings.secret_keys.get_secret_value())
    except SealingError as error:
        raise ProblemError(503, str(error), slug="webhooks-not-configured") from None
    if box is None:
        raise ProblemError(
            503,
            "this deployment takes no webhooks yet: its operators must set "
            "PRESSROOM_SECRET_KEYS (docs/deliveries.md); email subscribers work without it",
            slug="webhooks-not-configured",
        )
    return RegisterSubscriber(
        subscriber_id=subscriber_id, actor=actor, **fields,
        sealed_secret=box.seal(terms.secret), secret_fingerprint=box.fingerprint(terms.secret),
    )  # fmt: skip


def _check_url(url: str, settings: Settings) -> None:
    problem = url_problem(url)
    address = literal_address(urlsplit(url).hostname or "")
    if problem is None and address is not None:
        problem = address_refusal(address, settings.webhook_networks)
    if problem is not None:
        raise ProblemError(422, problem, slug="invalid-subscriber")
