"""A plain ASGI middleware that sees each HTTP response's start, and the request's end.

Plain ASGI rather than `@app.middleware("http")`: Starlette's
BaseHTTPMiddleware wraps every request in a task group and a body stream,
which cost about as much CPU as the transition route itself (bench/results/2026-history.md).
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ResponseWatcher:
    """Calls `started` with each HTTP response's start message, `finished` after each request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception before the response started

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self.started(scope, message)
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            self.finished(scope, status)

    def started(self, scope: Scope, message: Message) -> None:
        """The response is starting: its headers may still change."""

    def finished(self, scope: Scope, status: int) -> None:
        """The request is over, answered with `status` (500 if it raised first)."""
