"""Composition root: board config -> HAL -> charger model -> services -> tasks."""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import os
import signal
import sys
import threading
from pathlib import Path

import hal as hal_pkg
from firmware.auth.authorizer import Authorizer
from firmware.auth.cards import CardHandler
from firmware.auth.contract import ContractHandler
from firmware.auth.standalone import StandaloneCards
from firmware.clock import Clock
from firmware.ocpp.frame_log import FrameLog
from firmware.migration import Migration
from firmware.display_messages import DisplayMessages, DisplayService, station_state, status_line
from firmware.events import EventBus, MessageSetAside
from firmware.ev_receipts import keep_receipt
from firmware.history import SessionHistory
from firmware.journal import SessionJournal
from firmware.metering import Metering
from firmware import __version__
from firmware.ocpp.connection import LINK_ERRORS, OcppLink, Uplink
from firmware.ocpp.outbox import Outbox
from firmware.ocpp.protocols import protocol_for
from firmware.security import events as ev
from firmware.security.events import SecurityEvents
from firmware.security.tamper import watch_tamper
from firmware.ota.service import FirmwareService
from firmware.security.certstore import CertificateStore
from firmware.security.secc import SeccCertificate
from firmware.security.events import utc_formatter
from firmware.security.redact import RedactSecrets
from firmware.recorder import SessionRecorder
from firmware.service import ServiceNotifier
from firmware.core.session import StopReason
from firmware.smart_charging.manager import LoadManager
from firmware.smart_charging.store import ProfileStore
from firmware.reservations import Reservations
from firmware.station import Station
from firmware.tasks import Tasks, cancel_and_wait, owned, supervised
from firmware.store import Store

log = logging.getLogger(__name__)

SOFT_RESET_FLUSH_S = 10.0
HARD_RESET_FLUSH_S = 2.0
SHUTDOWN_FLUSH_S = 5.0


class ReleasesOnDemand:
    """The release layout, loaded when an update needs it (tarfile and friends stay out of RAM)."""

    def __init__(self, root: str):
        self._root = root
        self._releases = None

    def __getattr__(self, name):
        if self._releases is None:
            from firmware.ota.releases import Releases

            self._releases = Releases(self._root)
        return getattr(self._releases, name)


def diagnostics_log(data_dir) -> logging.Handler:
    """The DiagnosticsLog GetLog uploads: everything logged, rotating, secrets redacted."""
    folder = Path(data_dir) / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / "evse.log", maxBytes=1024 * 1024, backupCount=4)
    handler.setFormatter(utc_formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    logging.getLogger().addHandler(handler)
    return handler


class StartupError(Exception):
    """Something outside the controller prevents its start (a port in use); the message names it."""


class Controller:
    """Everything running for one board; `run()` returns the process exit code."""

    def __init__(self, board, settings, data_dir, bench_port: int | None, web=None, frame_log: str | None = None):
        """Everything built in dependency order, each part given what it needs; nothing is set afterwards."""
        self.board = board
        self.settings = settings
        self.store = Store(data_dir)
        self.bus = EventBus()
        self.wall = Clock()  # UTC for OCPP, monotonic for durations: one injected clock
        wake = threading.Event()  # the control loop's: input drivers and new meter readings set it
        self.hal = hal_pkg.create(board, wake=wake.set, state_dir=data_dir)
        self.protocol = protocol_for(settings.ocpp_version, self.store, board, on_change=self._policy_changed)
        self.policy = self.protocol.policy
        self.metering = Metering(self._meters(), self.bus, board.metering, on_health=self._meter_health,
                                 on_reading=wake.set, clock=self.wall, store=self.store)
        self.secc = SeccCertificate(data_dir, on_change=self._renew_secc)  # used only by DC connectors
        self.ev_links = self._ev_links(data_dir, wake)
        self.station = Station(board, self.hal, self.bus, self.wall, wake=wake, readings=self.metering.fresh,
                               ev_links=self.ev_links)
        self.authorizer = Authorizer(self.store, self.policy, self.policy.local_list_max_length(), clock=self.wall)
        self.uplink = Uplink(self.wall)
        self.history = SessionHistory(self.store)
        self.journal = SessionJournal(self.store, self.history)
        self.outbox = Outbox(self.store, attempts=self.policy.message_attempts,
                             retry_interval_s=self.policy.message_retry_interval_s,
                             on_set_aside=lambda *why: self.bus.publish(MessageSetAside(*why)), link_errors=LINK_ERRORS)
        self.certs = CertificateStore(data_dir, self.policy.certificate_store_max_length())
        self.security_events = SecurityEvents(data_dir, self.wall, push=self.outbox.push)
        self._diagnostics = diagnostics_log(data_dir)
        self.security = self.protocol.security(store=self.store, certs=self.certs, events=self.security_events,
                                               board=board, runtime=settings, uplink=self.uplink,
                                               secc=self.secc if self.ev_links else None)
        self.link = OcppLink(self.security.link_settings, self.uplink,
                             on_failure=self.security.on_failure, on_connected=self.security.on_connected,
                             frame_log=FrameLog(frame_log) if frame_log else None)
        firmware_reports = self.protocol.firmware_reports(self.outbox)
        self.firmware = FirmwareService(
            data_dir=data_dir, releases=self._installer(board), station=self.station,
            events=self.security_events, certs=self.certs, report=firmware_reports.report,
            restart=self.switch_release, gate_s=self.policy.firmware_health_gate_s,
            allow_new_sessions=self.policy.firmware_allows_new_sessions)
        self.profiles = ProfileStore(self.store, self.policy.profile_limits,
                                     on_change=self.station.renegotiate_schedules)  # K16: the EV hears of it
        self.load = LoadManager(board, self.station, self.metering, self.profiles, self.wall, self.bus,
                                transaction_id=lambda s: self.outbox.transaction_id(s.local_id),
                                online=lambda: self.uplink.online,
                                failsafe_a=self.policy.failsafe_current_a, phase_map=self.policy.phase_rotation)
        self.reservations = Reservations(self.store, self.station, self.wall, self.bus)
        self.display_messages = DisplayMessages(self.store)
        self.adapter = self.protocol.adapter(
            data_dir=data_dir, cp_id=settings.charge_point_id or board.serial, uplink=self.uplink, profiles=self.profiles,
            load=self.load, board=board, station=self.station, metering=self.metering, authorizer=self.authorizer,
            store=self.store, bus=self.bus, wall=self.wall, journal=self.journal, outbox=self.outbox,
            reset=self.reset, security=self.security, firmware=self.firmware, firmware_reports=firmware_reports,
            reservations=self.reservations, display_messages=self.display_messages,
        )
        self.recorder = SessionRecorder(
            self.station, self.metering, self.bus, self.store, sink=self.adapter, wall=self.wall, journal=self.journal,
            resume=self.policy.resume_sessions_after_power_loss, charge_point=settings.charge_point_id or board.serial,
        )
        self.cards = CardHandler(self.hal.reader, self.station, self.authorizer, remote=self.adapter.remote_authorize,
                                 master_pass=self.policy.master_pass_group)
        self.contracts = ContractHandler(self.bus, self.station, self.authorizer, remote=self.adapter.remote_authorize,
                                         certs=self.certs, policy=self.policy,
                                         token=self.adapter.contract_token) if self.ev_links else None
        self.standalone = StandaloneCards(self.store, self.authorizer.local_list, self.station)
        self.display = DisplayService(
            self.display_messages, self.hal.display, self.station, self.wall,
            state_of=lambda: station_state(self.station),
            status_line=lambda: status_line(self.station, self.adapter.running_cost),
            running_transactions=lambda: {self.adapter.transaction_id(s) for s in self.station.sessions()} - {None})
        self.migration = Migration(store=self.store, station=self.station, outbox=self.outbox, uplink=self.uplink,
                                   accepted=lambda: self.adapter.accepted, events=self.security_events,
                                   restart=self.restart_now, clock=self.wall)
        self.bench = None
        if self.hal.bench is not None and bench_port:
            from firmware.bench.api import BenchApi  # aiohttp is loaded only on the bench

            self.bench = BenchApi(self.station, self.metering, self.adapter, self.hal.bench, self.hal.reader,
                                  self.uplink, self.security.profile)
        self.bench_port = bench_port
        self.web = None if web is None else self._web_server(web, data_dir)
        self.service = ServiceNotifier(self.station.loop, self.wall)
        self.tasks = Tasks()
        self._exit = asyncio.Event()
        self._reexec = False

    def _web_server(self, options, data_dir):
        """The installer's page, given the same services the OCPP adapter uses (DESIGN.md arrow 7)."""
        from firmware.commissioning import Commissioning
        from firmware.web.passwords import WebCredentials
        from firmware.web.server import WebServer
        from firmware.web.settings_edit import SettingsEditor
        from firmware.web.views import Views

        views = Views(station=self.station, metering=self.metering, adapter=self.adapter, uplink=self.uplink,
                      security=self.security, certs=self.certs, clock=self.wall, history=self.history,
                      settings=self.settings, board=self.board)
        editor = SettingsEditor(store=self.store, settings=self.settings, security=self.security,
                                events=self.security_events, outbox=self.outbox, uplink=self.uplink,
                                restart=self.restart_when_idle)
        commissioning = Commissioning(board=self.board, hal=self.hal, station=self.station, data_dir=data_dir,
                                      restart=self.restart_now)
        return WebServer(options, views=views, editor=editor, credentials=WebCredentials(self.store), bus=self.bus,
                         clock=self.wall, events=self.security_events, data_dir=data_dir, serial=self.board.serial,
                         firmware=self.firmware, commissioning=commissioning, standalone_cards=self.standalone,
                         settings=self.settings, exporter=self._exporter(options, data_dir), migration=self.migration)

    def _exporter(self, options, data_dir):
        """The page's export: the same bundle `evse export` writes (firmware.export)."""
        from firmware.export.make import make_export
        from firmware.settings_file import SiteSection

        site = options.site or SiteSection()
        return lambda out: make_export(Path(data_dir), self.board, site, out)

    def _ev_links(self, data_dir, wake) -> dict:
        """The digital link with the EV of every DC connector and every AC one with a modem (hlc_iface): a
        socket in the data directory, the SECC's process supervised, its log in logs/ev-link-N.log (the
        EV's states and errors; every message too with EVSE_HLC_MESSAGES=1, hlc.protocol.quiet_message_dumps)."""
        links = {}
        for c in self.board.connectors:
            if c.kind != "dc" and not c.hlc_iface:
                continue
            from firmware.dc.hlc_bridge import HlcBridge  # the DC side is loaded only where there is one
            from firmware.dc.slac_link import SlacLink
            from hlc.protocol import ev_link_socket, slac_socket

            wiring = self.hal.connectors[c.id]
            socket = ev_link_socket(str(data_dir), c.id)
            argv = wiring.ev_link_command(socket) if wiring.ev_link_command is not None else None
            (Path(data_dir) / "logs").mkdir(parents=True, exist_ok=True)
            output = open(Path(data_dir) / "logs" / f"ev-link-{c.id}.log", "ab")  # noqa: SIM115 (the child's)
            slac = SlacLink(c.id, slac_socket(socket), clock=self.wall.monotonic)  # its process: evse-slac@N
            links[c.id] = HlcBridge(c.id, socket, argv, child_output=output, clock=self.wall.monotonic,
                                    on_message=wake.set, pki_path=self.secc.pki_path,
                                    ev_certificate=self._ev_certificate, slac=slac,
                                    on_receipt=lambda message, cid=c.id: self._ev_receipt(cid, message))
        return links

    async def _ev_certificate(self, schema: str, action: str, exi: str) -> tuple[str, str]:
        """An EV's contract certificate request, to the CSMS through 2.0.1 (1.6 has no word for it)."""
        pki = getattr(self.adapter, "iso15118", None)
        return ("Failed", "") if pki is None else await pki.ev_certificate(schema, action, exi)

    def _ev_receipt(self, cid: int, message: dict) -> None:
        keep_receipt(self.history.receipts, self.station.connectors[cid], message, self.wall.now())

    def _renew_secc(self) -> None:
        for link in self.ev_links.values():
            link.renew_certificate()

    async def _run_ev_link(self, link) -> None:
        await link.start()
        try:
            await asyncio.Event().wait()
        finally:
            await link.stop()

    def _meters(self) -> dict:
        """Connector id (0: the site supply) -> its meter."""
        meters = {cid: c.meter for cid, c in self.hal.connectors.items() if c.meter is not None}
        if self.hal.site_meter is not None:
            meters[0] = self.hal.site_meter
        return meters

    async def run(self) -> int:
        self.bus.bind(asyncio.get_running_loop())
        self._restore_availability()
        if self.bench is not None:
            try:
                await self.bench.start(self.bench_port)
            except OSError as exc:
                await self._close_early()
                raise StartupError(f"--bench-port {self.bench_port}: {exc.strerror or exc}") from None
        if self.web is not None:
            try:
                await self.web.start()
            except (OSError, ValueError) as exc:
                await self._close_early()
                raise StartupError(f"--web-port {self.web.options.port}: {getattr(exc, 'strerror', None) or exc}") \
                    from None
        self.station.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_exit)
        await self.station.set_connection_timeout(self.policy.connection_timeout_s())
        await self.station.set_unlock_on_ev_side_disconnect(self.policy.unlock_on_ev_side_disconnect())
        self.security_events.record(ev.STARTUP, f"firmware {__version__}")
        services = {
            "metering": self.metering.run, "recorder": self.recorder.run, "journal": self.recorder.keep_alive,
            **self.protocol.services(self.adapter, self.security), "card reader": self.cards.run,
            "systemd notifier": self.service.run, "firmware trial": self.firmware.watch_trial,
            "tamper switch": lambda: watch_tamper(self.hal.tamper, self.security_events),
            "load manager": self.load.run, "reservations": self.reservations.run, "display": self.display.run,
            "CSMS migration": self.migration.run,
            **{f"EV link of connector {cid}": (lambda link=link: self._run_ev_link(link))
               for cid, link in self.ev_links.items()},
            **({"Plug & Charge contracts": self.contracts.run} if self.contracts is not None else {}),
        }
        if self.settings.standalone:
            log.warning("standalone: no CSMS configured; cards come from the list on the web page (or free "
                        "charging), sessions are kept for a CSMS added later")
            services["free charging"] = self.standalone.run_free_charging
        else:
            services["CSMS link"] = lambda: self.link.run(self.adapter.on_connection)
        if self.bench is not None:
            services["bench meter registers"] = self.bench.keep_meter_registers
        tasks = [owned(supervised(name, start), name) for name, start in services.items()]
        tasks.append(owned(self.recorder.recover(), "recovery of interrupted sessions"))
        await self._exit.wait()
        await self._shutdown(tasks)
        if self._reexec:
            self._exec_self()
        return 0

    async def _close_early(self) -> None:
        """A port in use at start: give back what was opened, nothing has run yet."""
        if self.bench is not None:
            await self.bench.stop()
        self.hal.close()
        self.store.close()

    async def restart_now(self) -> None:
        self._reexec = True
        self._exit.set()

    def restart_when_idle(self) -> None:
        """New CSMS settings from the page: the adapter is rebuilt by a restart, never under a running session."""
        async def when_idle():
            if self.station.sessions():
                log.warning("new CSMS settings: restarting once the running sessions end")
            while self.station.sessions():
                await asyncio.sleep(1.0)
            log.warning("new CSMS settings: restarting the controller to apply them")
            await self.outbox.wait_empty(2.0)
            self._reexec = True
            self._exit.set()

        self.tasks.spawn(when_idle(), "restart for new settings")

    def request_exit(self) -> None:
        log.info("SIGTERM: stopping")
        self._exit.set()

    async def reset(self, hard: bool) -> None:
        """OCPP Reset: end sessions properly, flush what the link allows, restart ourselves."""
        reason = StopReason.HARD_RESET if hard else StopReason.SOFT_RESET
        log.warning("%s reset requested", "hard" if hard else "soft")
        self.security_events.record(ev.RESET, f"{'Hard' if hard else 'Soft'} reset requested by the CSMS")
        await self._stop_sessions(reason, HARD_RESET_FLUSH_S if hard else SOFT_RESET_FLUSH_S)
        self._reexec = True
        self._exit.set()

    @staticmethod
    def _installer(board):
        if board.ota.installer == "releases":
            return ReleasesOnDemand(os.environ.get("EVSE_ROOT", "/"))
        from firmware.ota.external import ExternalInstaller

        return ExternalInstaller(board.ota.installer)

    async def switch_release(self) -> None:
        """Leave this process for whatever `current` now points at (a new release, a rollback, a new slot)."""
        await self.outbox.wait_empty(2.0)
        installer = self.firmware.installer
        if getattr(installer, "external", False):
            await self._stop_sessions(StopReason.REBOOT, 2.0)
            await asyncio.to_thread(installer.reboot)  # the OS takes it from here
            return
        self._reexec = True
        self._exit.set()

    async def _stop_sessions(self, reason: StopReason, flush_s: float) -> None:
        if self.station.sessions():
            await self.station.stop_all(reason)
        # Every ended session must reach the outbox: the recorder reads its
        # meter stop, then the adapter queues its StopTransaction.
        deadline = self.wall.monotonic() + 2.0
        while self.adapter.sessions_ended < self.station.sessions_ended() and self.wall.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await self.outbox.wait_empty(flush_s)

    async def _shutdown(self, tasks) -> None:
        self.service.stopping()
        if not self._reexec:
            await self._stop_sessions(StopReason.REBOOT, SHUTDOWN_FLUSH_S)
        self.station.stop()
        await cancel_and_wait(tasks)
        await self.tasks.cancel_all()
        if self.bench is not None:
            await self.bench.stop()
        if self.web is not None:
            await self.web.stop()
        self.hal.close()  # every contactor is open (station.stop); a restart finds the pins free
        self.store.close()
        logging.getLogger().removeHandler(self._diagnostics)
        self._diagnostics.close()

    def _exec_self(self) -> None:
        log.warning("restarting the controller")
        logging.shutdown()
        os.environ["EVSE_REEXEC"] = "1"
        script = Path(sys.orig_argv[1]) if len(sys.orig_argv) > 1 else None
        if script is not None and script.name == "evse" and script.exists():
            # Through the `current` link: after a switch this is the other release's evse.
            os.execv(str(script), [str(script), *sys.orig_argv[2:]])
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])

    def _restore_availability(self) -> None:
        for cid, connector in self.station.connectors.items():
            connector.operative = bool(self.store.get(f"availability.{cid}", True))

    def _meter_health(self, cid: int, ok: bool) -> None:
        """offline_policy "stop": no energy flows through a connector whose meter cannot bill it."""
        if cid in self.station.connectors and self.board.metering.offline_policy == "stop":
            self.tasks.spawn(self.station.set_hold(cid, "meter", not ok), f"meter hold on connector {cid}")

    def _policy_changed(self, name: str) -> None:
        """The CSMS changed a policy value the model holds a copy of (neutral names, firmware.ocpp.protocols)."""
        if name == "connection_timeout_s":
            self.tasks.spawn(self.station.set_connection_timeout(self.policy.connection_timeout_s()),
                             "connection timeout")
        elif name == "unlock_on_ev_side_disconnect":
            self.tasks.spawn(self.station.set_unlock_on_ev_side_disconnect(self.policy.unlock_on_ev_side_disconnect()),
                             "unlock on EV-side disconnect")
        elif name == "failsafe_current_a":
            self.load.kick()
