"""Headers every answer carries: no MIME sniffing, no referrer, a strict CSP (a looser one for the
API docs page), and no caching of anything a bearer token was needed for."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON and feeds never run scripts or get framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI (FastAPI's /docs) and ReDoc load their bundle from jsdelivr and start it inline.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net;"
    " style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com;"
    " font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com"
    " https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; frame-ancestors 'none';"
    " base-uri 'none'; form-action 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


def security_headers(path: str, authenticated: bool) -> dict[str, str]:
    """The headers for an answer to `path`; `authenticated`: the request carried credentials."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": DOCS_CSP if path in DOCS_PATHS else API_CSP,
    }
    if authenticated:
        # What a token unlocked never sits in a shared or browser cache.
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeadersMiddleware:
    """Pure ASGI: sets the headers on every response start, problems and errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticated = "authorization" in Headers(scope=scope)
        extra = security_headers(scope["path"], authenticated)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
