"""Logged-in browsers: random session ids in an HttpOnly cookie, a CSRF token each, and a login throttle.

Kept in memory: a controller restart logs everyone out, which is what an
installer expects after a firmware update or a settings change. Durations
run on the injected monotonic clock so tests step them instead of sleeping.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass

IDLE_S = 30 * 60  # a page left open and unused logs out after half an hour
ABSOLUTE_S = 12 * 3600  # and every session after a working day
MAX_SESSIONS = 32
FAILURES_ALLOWED = 5  # wrong passwords per client within FAILURE_WINDOW_S before it has to wait
FAILURE_WINDOW_S = 60.0
LOCKOUT_S = 60.0


@dataclass
class WebSession:
    id: str
    csrf: str
    created: float
    seen: float


class Sessions:
    def __init__(self, monotonic):
        self._now = monotonic
        self._sessions: dict[str, WebSession] = {}

    def open(self) -> WebSession:
        self._expire()
        if len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions.values(), key=lambda s: s.seen)
            del self._sessions[oldest.id]
        now = self._now()
        session = WebSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now)
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> WebSession | None:
        """The live session for this cookie, its idle time restarted; None once expired."""
        self._expire()
        session = self._sessions.get(session_id or "")
        if session is not None:
            session.seen = self._now()
        return session

    def peek(self, session_id: str | None) -> WebSession | None:
        """The live session without counting this as use (the live stream of an unattended page)."""
        self._expire()
        return self._sessions.get(session_id or "")

    def close(self, session_id: str | None) -> None:
        self._sessions.pop(session_id or "", None)

    def close_all(self) -> None:
        """A new password logs every browser out."""
        self._sessions.clear()

    def _expire(self) -> None:
        now = self._now()
        for sid in [s.id for s in self._sessions.values()
                    if now - s.seen > IDLE_S or now - s.created > ABSOLUTE_S]:
            del self._sessions[sid]


class LoginThrottle:
    """Wrong passwords are counted per client address; too many in a minute and it waits a minute."""

    def __init__(self, monotonic):
        self._now = monotonic
        self._failures: dict[str, deque] = {}
        self._locked_until: dict[str, float] = {}

    def wait_s(self, client: str) -> float:
        return max(0.0, self._locked_until.get(client, 0.0) - self._now())

    def failed(self, client: str) -> None:
        now = self._now()
        recent = self._failures.setdefault(client, deque())
        recent.append(now)
        while recent and now - recent[0] > FAILURE_WINDOW_S:
            recent.popleft()
        if len(recent) >= FAILURES_ALLOWED:
            self._locked_until[client] = now + LOCKOUT_S
            recent.clear()
        if len(self._failures) > 1024:  # a scan from many addresses must not grow this for ever
            self._failures = {client: recent}

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)
        self._locked_until.pop(client, None)
