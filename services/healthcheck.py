"""`python -m services.healthcheck [--ready]`: the container's HEALTHCHECK, without curl.

Probes /healthz (with --ready: /readyz) on the process's health port, or on the gateway's own
port when the health port is off (the gateway serves its routes there); exit 0 when it answers
200, 1 otherwise."""

from __future__ import annotations

import sys
import urllib.request

from services.kit.settings import load_settings


def main() -> int:
    settings = load_settings()
    port = settings.health_port or settings.gateway_port
    route = "/readyz" if "--ready" in sys.argv[1:] else "/healthz"
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
