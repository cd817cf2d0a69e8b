"""The websocket to the CSMS: security profiles, reconnects, the bench's modem switch.

Connects to `<csms-url>/<charge-point-id>` with the version's subprotocol,
HTTP Basic auth (profiles 1 and 2) and TLS (profiles 2 and 3), and runs one
`on_connection(ws)` per connection. Lost connections are retried with
exponential backoff and jitter, so a fleet does not reconnect in lockstep.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import socket
import ssl
from collections import deque
from dataclasses import dataclass
from datetime import datetime

import websockets
from websockets.asyncio.client import connect

from firmware.clock import Clock
from firmware.security import events as ev
from firmware.tasks import cancel_and_wait

log = logging.getLogger(__name__)

# What a lost connection raises in a sender: no attempt spent, the message waits for the next one.
LINK_ERRORS = (ConnectionError, websockets.exceptions.ConnectionClosed)

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 60.0
# Security Whitepaper: TLS 1.2 or newer; for TLS 1.2 only these suites (TLS 1.3's are all acceptable).
TLS12_CIPHERS = ":".join((
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
    "AES128-GCM-SHA256", "AES256-GCM-SHA384",
))


@dataclass
class LinkSettings:
    csms_url: str
    charge_point_id: str
    subprotocol: str
    security_profile: int = 0
    basic_auth_password: str | None = None
    ca_file: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    ping_interval_s: float | None = 30.0
    slot: int | None = None  # OCPP 2.0.1: the network profile's configuration slot

    @property
    def url(self) -> str:
        return self.csms_url.rstrip("/") + "/" + self.charge_point_id


def settings_from(runtime, store, certs, subprotocol: str, profile: int, ping_interval_s: float | None = 30.0,
                  csms_url: str | None = None, slot: int | None = None):
    """The link's settings as they are now: the URL and id given at start (or a 2.0.1 network profile's
    URL and slot), the Basic auth password and profile as stored (the CSMS may have changed them), our
    certificate once one is installed."""
    client = certs.client_certificate()
    return LinkSettings(
        csms_url=csms_url or runtime.csms_url,
        slot=slot,
        charge_point_id=runtime.charge_point_id,
        subprotocol=subprotocol,
        security_profile=profile,
        basic_auth_password=store.get("setting.basic_auth_password"),
        ca_file=str(certs.trust_bundle() or runtime.ca_file or "") or None,
        client_cert=str(client) if client else runtime.client_cert,
        client_key=str(certs.key_path) if client else runtime.client_key,
        ping_interval_s=ping_interval_s,
    )


class Uplink:
    """The network as the charger's services see it: a switch that drops the link like a dead
    modem (the bench's), a request for a new connection (new security settings), and whether
    a connection is up now (the load manager's failsafe)."""

    def __init__(self, clock=None) -> None:
        self._up = asyncio.Event()
        self._up.set()
        self._down = asyncio.Event()
        self._restart = asyncio.Event()
        self.online = False
        self._clock = clock or Clock()
        # For the installer's page: since when, what was last heard, and why the last attempts failed.
        self.connected_since: datetime | None = None
        self.last_message_at: datetime | None = None
        self.url: str | None = None
        self.errors: deque[tuple[datetime, str]] = deque(maxlen=5)
        self.failures = 0  # connection attempts failed since the last one that worked (a migration counts them)

    def heard(self) -> None:
        self.last_message_at = self._clock.now()

    def failed(self, url: str, why: str) -> None:
        self.url = url
        self.errors.append((self._clock.now(), why))
        self.failures += 1

    def reconnect(self) -> None:
        """Drop the current connection; the next one uses the settings as they are then."""
        self._restart.set()

    def connected(self, up: bool, url: str | None = None) -> None:
        """The link's word: a connection began (older reconnect requests are answered by it) or ended."""
        if up:
            self._restart.clear()
            self.url = url or self.url
            self.failures = 0
        self.connected_since = self._clock.now() if up else None
        self.online = up

    async def wait_reconnect(self) -> None:
        await self._restart.wait()

    @property
    def up(self) -> bool:
        return self._up.is_set()

    def set(self, up: bool) -> None:
        (self._up.set if up else self._up.clear)()
        (self._down.clear if up else self._down.set)()

    async def wait_up(self) -> None:
        await self._up.wait()

    async def wait_down(self) -> None:
        await self._down.wait()


class Heard:
    """The connection as the OCPP library sees it, noting when the CSMS last said something."""

    def __init__(self, ws, heard):
        self._ws = ws
        self._heard = heard

    async def recv(self, *args, **kwargs):
        message = await self._ws.recv(*args, **kwargs)
        self._heard()
        return message

    def __getattr__(self, name):
        return getattr(self._ws, name)


def in_words(exc: BaseException) -> str:
    """A failed connection attempt as a technician reads it."""
    if isinstance(exc, websockets.exceptions.InvalidStatus):
        code = exc.response.status_code
        if code in (401, 403):
            return f"the CSMS refused the charge point's credentials (HTTP {code}): check the id and password"
        if code == 404:
            return "the CSMS does not know this URL or charge point id (HTTP 404)"
        return f"the CSMS answered HTTP {code} instead of opening the connection"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the CSMS's TLS certificate is not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"the TLS handshake failed: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "nothing listens at the CSMS address (connection refused)"
    if isinstance(exc, socket.gaierror):
        return "the CSMS host name cannot be resolved (check DNS and the URL)"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "the CSMS did not answer in time"
    return f"connection error: {exc}"


def backoff_s(attempt: int) -> float:
    """Full-jitter exponential backoff: uniform in [base/2, base], base doubling to the cap."""
    base = min(BACKOFF_FIRST_S * 2**attempt, BACKOFF_MAX_S)
    return random.uniform(base / 2, base)


def ssl_context(s: LinkSettings) -> ssl.SSLContext | None:
    if not s.csms_url.startswith("wss://"):
        return None
    ctx = ssl.create_default_context(cafile=s.ca_file)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(TLS12_CIPHERS)
    ctx.check_hostname = True
    if s.security_profile == 3 and s.client_cert:
        ctx.load_cert_chain(s.client_cert, s.client_key)
    return ctx


def failure_kind(exc: BaseException, tls: bool = False) -> str | None:
    """The Security Whitepaper event a failed connection attempt amounts to, if any.

    With TLS 1.3 a server refuses a client certificate (or its absence) after
    the handshake; asyncio swallows the alert and all we see is the stream
    ending before the HTTP answer. On a TLS link that is what it means.
    """
    if tls and isinstance(exc, websockets.exceptions.InvalidMessage) and isinstance(exc.__cause__, EOFError):
        return ev.FAILED_TO_AUTHENTICATE
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        kind = _one_failure_kind(exc)
        if kind:
            return kind
        exc = exc.__cause__ or exc.__context__
    return None


def _one_failure_kind(exc: BaseException) -> str | None:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ev.INVALID_CS_CERTIFICATE  # unknown CA, expired, hostname mismatch
    if isinstance(exc, ssl.SSLError):
        reason = f"{getattr(exc, 'reason', None) or ''} {exc}".upper()
        if "VERSION" in reason or "PROTOCOL" in reason:
            return ev.INVALID_TLS_VERSION
        if "CIPHER" in reason:
            return ev.INVALID_TLS_CIPHER
        if "CERTIFICATE" in reason:  # the CSMS refused our client certificate
            return ev.FAILED_TO_AUTHENTICATE
        return None
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status in (401, 403):
        return ev.FAILED_TO_AUTHENTICATE
    return None


def auth_headers(s: LinkSettings) -> dict[str, str]:
    if s.security_profile not in (1, 2) or not s.basic_auth_password:
        return {}
    token = base64.b64encode(f"{s.charge_point_id}:{s.basic_auth_password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class OcppLink:
    """`settings` is called before every attempt, so a new security profile,
    password or certificate applies from the next connection on."""

    def __init__(self, settings, uplink: Uplink, on_failure=None, on_connected=None, backoff=backoff_s,
                 frame_log=None):
        self.settings = settings if callable(settings) else (lambda: settings)
        self.frame_log = frame_log  # firmware.ocpp.frame_log.FrameLog, or None
        self.backoff = backoff
        self.uplink = uplink
        self.on_failure = on_failure or (lambda s, exc: None)
        self.on_connected = on_connected or (lambda s: None)

    async def run(self, on_connection) -> None:
        attempt = 0
        while True:
            await self.uplink.wait_up()
            url = "the CSMS"
            try:
                settings = self.settings()
                url = settings.url
                await self._one_connection(settings, on_connection)
                attempt = 0
            except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as exc:
                log.warning("CSMS %s unreachable: %s", url, exc)
                self.uplink.failed(url, in_words(exc))
                self.on_failure(settings, exc)
            except Exception as exc:  # whatever broke, the charger must go on trying to reach its CSMS
                log.exception("link to %s failed unexpectedly", url)
                self.uplink.failed(url, f"unexpected error: {exc}")
            delay = self.backoff(attempt)
            attempt += 1
            log.info("reconnecting to the CSMS in %.1fs", delay)
            await asyncio.sleep(delay)

    async def _one_connection(self, s: LinkSettings, on_connection) -> None:
        async with connect(
            s.url,
            subprotocols=[s.subprotocol],
            additional_headers=auth_headers(s),
            ssl=ssl_context(s),
            ping_interval=s.ping_interval_s,
            ping_timeout=s.ping_interval_s,
            close_timeout=2,  # a dead link will not answer our close frame either
            open_timeout=10,
            max_size=4 * 1024 * 1024,
        ) as ws:
            if ws.subprotocol != s.subprotocol:
                log.warning("CSMS did not confirm subprotocol %s (got %s)", s.subprotocol, ws.subprotocol)
            log.info("connected to %s (security profile %s)", s.url, s.security_profile)
            self.on_connected(s)
            self.uplink.connected(True, s.url)
            seen = self.frame_log.wrap(ws) if self.frame_log is not None else ws
            session = asyncio.create_task(on_connection(Heard(seen, self.uplink.heard)))
            modem = asyncio.create_task(self.uplink.wait_down())
            restart = asyncio.create_task(self.uplink.wait_reconnect())
            try:
                done, _ = await asyncio.wait({session, modem, restart}, return_when=asyncio.FIRST_COMPLETED)
                if modem in done:
                    log.warning("uplink cut: dropping the CSMS connection")
                    ws.transport.abort()
                elif restart in done:
                    log.warning("reconnecting with new security settings")
                    await ws.close()
            except asyncio.CancelledError:
                await asyncio.shield(ws.close())  # shutting down: a clean close, 1000
                raise
            finally:
                self.uplink.connected(False)
                await cancel_and_wait([session, modem, restart])
            log.warning("CSMS connection closed")
