"""The installer's web server: HTTPS on the board, its routes, and its announcement on the network.

Built by the composition root with the services it reads; it runs on the
event loop beside the OCPP link and never touches the safety thread.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from firmware.web.api import Api
from firmware.web.api_cards import CardsApi
from firmware.web.api_device import DeviceApi
from firmware.web.api_migrate import MigrateApi
from firmware.web.guard import Refused, make_guard
from firmware.web.live import LiveDashboard
from firmware.web.pages import Pages
from firmware.web.sessions import LoginThrottle, Sessions

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class WebOptions:
    port: int
    bind: str = "127.0.0.1"
    tls: bool = True  # off only on a loopback address (tests, a reverse proxy on the board)
    cert_file: str | None = None
    key_file: str | None = None
    mdns: bool = True
    site: object | None = None  # the settings file's [site]: what the page's export names in its CDRs


def mdns_name(serial: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in serial.lower()).strip("-") or "0000"
    return f"evse-{cleaned}"


def is_loopback(bind: str) -> bool:
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return bind == "localhost"


class WebServer:
    def __init__(self, options: WebOptions, *, views, editor, credentials, bus, clock, events, data_dir, serial,
                 firmware, commissioning, standalone_cards, settings, exporter, migration):
        self.options = options
        self.sessions = Sessions(clock.monotonic)
        self.live = LiveDashboard(views, bus, self.sessions)
        self.name = mdns_name(serial)
        self.data_dir = data_dir
        self._serial = serial
        pages = Pages(credentials, self.sessions, LoginThrottle(clock.monotonic), title=f"EVSE {serial}",
                      secure=options.tls, wall_now=lambda: clock.now().timestamp())
        api = Api(views, editor, credentials, self.sessions, events)
        device = DeviceApi(firmware, commissioning, data_dir, exporter)
        cards = CardsApi(standalone_cards, settings, events)
        migrate = MigrateApi(migration)
        self.app = web.Application(middlewares=[self._errors, make_guard(credentials, self.sessions)],
                                   client_max_size=64 * 1024)
        self.app.add_routes([*pages.routes(), *api.routes(), *device.routes(), *cards.routes(), *migrate.routes(),
                             web.get("/api/events", self.live.stream),
                             web.get("/api/openapi.json", self.openapi), web.static("/static", STATIC)])
        self._runner: web.AppRunner | None = None
        self._announcer = None
        self._announcing: asyncio.Task | None = None

    async def openapi(self, request):
        return web.FileResponse(STATIC / "openapi.json")

    @web.middleware
    async def _errors(self, request, handler):
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("web page: %s %s failed", request.method, request.path)
            raise Refused(400, "the request could not be handled; see the controller's log") from None

    async def start(self) -> None:
        o = self.options
        if not o.tls and not is_loopback(o.bind):
            raise ValueError(f"--web-bind {o.bind}: plain HTTP is only allowed on a loopback address")
        context = None
        if o.tls:
            from firmware.web.tls import server_context

            context = server_context(self.data_dir, self._serial, f"{self.name}.local", o.cert_file, o.key_file)
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, o.bind, o.port, ssl_context=context, reuse_address=True)
        await site.start()
        scheme = "https" if o.tls else "http"
        log.info("web page on %s://%s:%s", scheme, o.bind, self.port)
        if o.mdns and not is_loopback(o.bind):
            from firmware.web.mdns import Announcer

            self._announcer = Announcer(self.name, self.port, o.bind, o.tls)
            # mDNS probing takes a second or two: the charger does not wait for it to boot.
            self._announcing = asyncio.create_task(self._announcer.start(), name="mDNS announcement")

    @property
    def port(self) -> int:
        """The port bound (the one asked for, or the one the system chose for port 0)."""
        for site in self._runner.sites if self._runner else ():
            server = getattr(site, "_server", None)
            if server is not None and server.sockets:
                return server.sockets[0].getsockname()[1]
        return self.options.port

    async def stop(self) -> None:
        if self._announcer is not None:
            await asyncio.gather(self._announcing, return_exceptions=True)
            await self._announcer.stop()
        if self._runner is not None:
            await self._runner.cleanup()
