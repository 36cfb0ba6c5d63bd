"""`python -m services.gateway`: serve the gateway with uvicorn on settings.gateway_host:port."""

from __future__ import annotations

import sys

import uvicorn

from services.gateway.app import create_app
from services.gateway.auth import TokenFileError
from services.kit.command_auth import CommandKeysMissing, KeysFileError
from services.kit.logging import configure_logging
from services.kit.settings import load_settings


def main() -> None:
    """Reads the environment, loads the tokens, serves until SIGINT/SIGTERM."""
    settings = load_settings()
    configure_logging(settings, "gateway")
    try:
        app = create_app(settings)
    except (TokenFileError, CommandKeysMissing, KeysFileError) as error:
        print(f"pressroom gateway: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    # Our middleware writes the access log; uvicorn's loggers fall through to the root handler.
    uvicorn.run(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
