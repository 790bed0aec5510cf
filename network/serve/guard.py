"""The workbench's front door: only this machine's page, with this launch's token, gets in.

- Host: the request must name the address the server listens on (``127.0.0.1:<port>``, ``localhost:<port>``),
  so a DNS-rebinding page (evil.example resolving to 127.0.0.1) is refused;
- Origin (when the browser sends one) must be that same address, and ``Sec-Fetch-Site: cross-site`` is
  refused, so another site open in the browser cannot drive the API;
- every request carries the random per-launch token (header ``X-Workbench-Token``, ``Authorization:
  Bearer``, or ``?token=`` for the page itself);
- no CORS headers are ever sent; responses say ``no-referrer``, ``nosniff``, no framing, and a content
  security policy that allows no other origin.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

__all__ = ["Guard", "new_token"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_HEADER = "x-workbench-token"
CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{tiles}; "
    "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def new_token() -> str:
    """A random per-launch token (32 bytes of ``secrets``)."""
    return secrets.token_urlsafe(32)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


class Guard:
    """ASGI middleware: Host, Origin and token checks on every HTTP request; security headers on every answer."""

    def __init__(self, app: ASGIApp, *, token: str, hosts: set[str], tiles_origin: str = "") -> None:
        self.app = app
        self.token = token
        self.hosts = {h.lower() for h in hosts}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.csp = CSP.format(tiles=f" {tiles_origin}" if tiles_origin else "")

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """Why this request is refused (status, reason), or None."""
        h = _headers(scope)
        if h.get("host", "").lower() not in self.hosts:
            return 421, f"unknown Host {h.get('host', '')!r}: the workbench answers only to {sorted(self.hosts)}"
        origin = h.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return 403, f"cross-origin request from {origin!r} refused"
        if h.get("sec-fetch-site") == "cross-site":
            return 403, "cross-site request refused"
        given = h.get(TOKEN_HEADER) or (h.get("authorization", "")[7:] if h.get("authorization", "").lower().startswith("bearer ") else "")
        if not given:
            given = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token") or [""])[0]
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return 401, "missing or wrong token: open the address the serve command printed (it carries this launch's token)"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse or pass the request on, adding the security headers to the answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cache-control", b"no-store"),
            (b"content-security-policy", self.csp.encode()),
        ]
        refused = self.refusal(scope)
        if refused is not None:
            status, reason = refused
            body = json.dumps({"error": reason}).encode()
            await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json"), *extra]})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
