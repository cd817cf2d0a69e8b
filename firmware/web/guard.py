"""Who may do what on the page: the login cookie or an API token, CSRF and origin checks, safe headers.

A browser proves itself with the session cookie (HttpOnly, SameSite=Strict)
and, for every change, the session's CSRF token in the X-CSRF-Token header
from a page of our own origin. A script uses `Authorization: Bearer <token>`
(made by `evse web-password --api-token NAME`), which a browser never sends
on its own, so it needs no CSRF token.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

COOKIE = "evse_session"
OPEN_PATHS = ("/login", "/setup", "/static/", "/api/openapi.json")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make Chromium send "Origin: null" on our own forms
    "X-Frame-Options": "DENY",
}


KINDS = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden, 404: web.HTTPNotFound,
         409: web.HTTPConflict, 413: web.HTTPRequestEntityTooLarge, 429: web.HTTPTooManyRequests}


def Refused(status: int, why: str, **headers) -> web.HTTPException:
    """A refusal as JSON {"error": why}, raised by the handlers and the guard alike."""
    return KINDS[status](text=json.dumps({"error": why}), content_type="application/json", headers=headers or None)


def same_origin(request) -> bool:
    """No Origin header (same-origin GET, or a script) or one naming this very host and port."""
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    parts = urlsplit(origin)
    return parts.netloc == request.host and parts.scheme == request.scheme


def make_guard(credentials, sessions):
    @web.middleware
    async def guard(request, handler):
        path = request.path
        if not path.startswith(OPEN_PATHS) and path != "/":
            _authorize(request, credentials, sessions)
        response = await handler(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return guard


def _authorize(request, credentials, sessions) -> None:
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer "):
        if credentials.check_token(bearer[7:].strip()) is None:
            raise Refused(401, "unknown API token")
        return
    session = sessions.get(request.cookies.get(COOKIE))
    if session is None:
        raise Refused(401, "log in first (or the session has expired)")
    if request.method not in SAFE_METHODS:
        if not same_origin(request):
            log.warning("web page: refused a %s %s from another origin (%s)", request.method, request.path,
                        request.headers.get("Origin"))
            raise Refused(403, "request from another origin")
        token = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(token, session.csrf):
            raise Refused(403, "missing or wrong CSRF token")
