"""What both OCPP adapters do alike: a connection's workers, the boot, heartbeats, the outbox's sender.

Each version's adapter gives its words: `make_cp(ws)`, `boot_request()`,
`heartbeat_interval()` and `keep_heartbeat_interval(s)`, `CALLS` (the
library's call module), `status_targets()`, `current_status(cid)` and
`send_status(cp, cid)`; and it holds `cp`, `accepted`, `outbox`, `wall`,
`firmware`, `station`, `store`, `sent_status` and the status and heartbeat kicks.
"""

from __future__ import annotations

import asyncio
import logging

from ocpp.charge_point import camel_to_snake_case

from firmware.events import kicked_within
from firmware.ocpp.lifecycle import serve
from firmware.ocpp.outbox import NOTIFICATIONS, TRANSACTIONS

log = logging.getLogger(__name__)

BOOT_RETRY_S = 30


class AdapterBase:
    CALLS = None  # ocpp.v16.call or ocpp.v201.call

    @property
    def connected(self) -> bool:
        return self.cp is not None

    def contract_token(self, emaid: str) -> None:
        """A contract (Plug & Charge) authorizes with this eMAID; 1.6 has no token types to record."""

    def running_cost(self, session) -> dict | None:
        """What the CSMS says a session costs so far ({"total", "currency"}); 1.6 has no word for it."""
        return None

    async def on_connection(self, ws) -> None:
        cp = self.cp = self.make_cp(ws)
        try:
            await serve(cp, lambda reader: self._boot_once(cp, reader), lambda: self._workers(cp))
        finally:
            self.cp = None

    def _workers(self, cp) -> dict:
        self.sent_status.clear()  # status is current state, re-sent after every (re)connection
        self._status_kick.set()
        drain = self.outbox.drain
        return {"heartbeats": self._heartbeats(cp), "status notifications": self.send_statuses(cp),
                "transaction lane": drain(self._send_queued, self._prepare, self._confirmed, TRANSACTIONS),
                "notification lane": drain(self._send_queued, self._prepare, self._confirmed, NOTIFICATIONS)}

    async def _boot_once(self, cp, reader) -> bool:
        return self.accepted or await self._boot(cp, reader)

    async def _boot(self, cp, reader) -> bool:
        """BootNotification until Accepted (once per process); Pending and Rejected wait their interval."""
        request = self.boot_request()
        while not reader.done():
            try:
                conf = await cp.call(request)
            except asyncio.TimeoutError:
                conf = None
            if conf is None:
                await asyncio.sleep(BOOT_RETRY_S)
                continue
            self.adopt_time(conf.current_time)
            self.registration = conf.status
            if conf.status == "Accepted":
                if conf.interval > 0:
                    self.keep_heartbeat_interval(conf.interval)
                self.accepted = True
                log.info("BootNotification accepted; heartbeat every %ss", conf.interval)
                self.firmware.booted()
                return True
            wait = conf.interval if conf.interval > 0 else BOOT_RETRY_S
            log.info("BootNotification %s; next try in %ss", conf.status, wait)
            await asyncio.sleep(wait)
        return False

    def adopt_time(self, csms_time: str) -> bool:
        return self.wall.adopt_csms_time(csms_time)

    async def _heartbeats(self, cp) -> None:
        while True:
            interval = self.heartbeat_interval()
            self._heartbeat_kick.clear()
            if await kicked_within(self._heartbeat_kick, interval if interval > 0 else 3600):
                continue  # a new interval restarts the wait at once
            conf = await cp.call(self.CALLS.Heartbeat())
            if conf is not None:
                self.adopt_time(conf.current_time)

    # ---- status: current state, re-sent after every (re)connection, never replayed ----
    async def send_statuses(self, cp) -> None:
        while True:
            await self._status_kick.wait()
            self._status_kick.clear()
            for cid in self.status_targets():
                if self.sent_status.get(cid) != self.current_status(cid):
                    await self.send_status(cp, cid)

    async def resend_status(self, cp, cid: int | None) -> None:
        """A triggered StatusNotification: the current one again, though unchanged; while the
        registration is Pending (no status worker yet) sent right here, as the CSMS asked for it."""
        if not self.accepted:
            for target in self.status_targets() if cid is None else [cid]:
                await self.send_status(cp, target)
            return
        self.sent_status.clear() if cid is None else self.sent_status.pop(cid, None)
        self._status_kick.set()

    def remember_availability(self, cid: int, operative: bool) -> None:
        """ChangeAvailability outlives a restart (0: the whole station)."""
        for target in list(self.station.connectors) if cid == 0 else [cid]:
            self.store.put(f"availability.{target}", operative)

    async def ask_now(self, request):
        """A request to the CSMS that only makes sense now (not queued): its answer, or None when
        offline, unanswered or refused with a CallError (the caller goes on without)."""
        cp = self.cp
        if cp is None or not self.accepted:
            return None
        try:
            return await cp.call(request, suppress=False)
        except Exception as exc:
            log.warning("%s got no answer from the CSMS: %s", type(request).__name__, exc or type(exc).__name__)
            return None

    async def _send_queued(self, action, payload, msg_id):
        cp = self.cp
        if cp is None:
            raise ConnectionError("no CSMS connection")
        request = getattr(self.CALLS, action)(**camel_to_snake_case(payload))
        return await cp.call(request, suppress=False, unique_id=msg_id)
