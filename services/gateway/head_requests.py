"""HEAD, answered as its GET would be without the body (RFC 9110 9.3.2: every general-purpose
server supports GET and HEAD). FastAPI's routes answer only the methods they name, so a feed
validator's or a link checker's HEAD got `405`."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Pure ASGI, inside the access log (which records HEAD): the routes see a GET, the client
    gets its status and headers, Content-Length and ETag included, and no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
