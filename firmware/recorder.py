"""Closes the loop between a session, its meter, the journal and the CSMS adapter.

At a session's start: read the meter, then in ONE SQLite transaction journal
the session and let the adapter queue its StartTransaction; only then may the
connector close its contactor. At its end: wait until the meter shows no more
flow, read it, and in one transaction queue the StopTransaction and close the
journal entry. So meterStop - meterStart is exactly what the meter counted,
and a kill at any instant leaves either both records or neither.

At boot, sessions left in the journal are ended with reason PowerLoss (their
meter stop read from the meter, their end time the last moment they were known
alive), or resumed when configured and the EV is still plugged in.

A signing meter's transaction begins before the meter start is read and ends
after the meter stop: its signed record (begin and end readings, signed by the
meter) goes with the session's end to the CSMS, untouched. A transaction a
crash left open in the meter is ended at recovery, so that session has its
record too.
"""

from __future__ import annotations

import asyncio
import logging

from firmware.events import SessionEnded, SessionStarted
from firmware.history import SAMPLE_S
from firmware.journal import SessionJournal
from firmware.core.session import Session, StopReason
from hal.types import MeterReading, SignedStart

log = logging.getLogger(__name__)

# Longest wait for a meter to show the flow ended: an ISO 15118-2 AC EV may finish its draw up to 3 s
# after its session ends (firmware/ac/hlc_connector.py), and a meter lags the contactor.
SETTLE_S = 5.0
NO_FLOW_W = 20.0
TOUCH_S = 1.0  # how often running sessions refresh their journal entry (also at every meter value sent)


class SessionRecorder:
    def __init__(self, station, metering, bus, store, sink, wall, journal: SessionJournal, resume=lambda: False,
                 charge_point: str = ""):
        self._station = station
        self._metering = metering
        self._store = store
        self._sink = sink  # the OCPP adapter: begin_transaction / end_transaction / resumed
        self._wall = wall
        self._resume = resume
        self._charge_point = charge_point  # the charger's id: the meter's record names "<id> <connector>"
        self.journal = journal
        self._events = bus.subscribe()
        self._running: dict[str, Session] = {}
        self._sampled: dict[str, float] = {}  # local id -> when its meter was last kept for the history

    async def run(self) -> None:
        while True:
            event = await self._events.get()
            if isinstance(event, SessionStarted):
                await self._begin(event.session)
            elif isinstance(event, SessionEnded):
                await self._end(event.session)

    async def keep_alive(self) -> None:
        while True:
            await asyncio.sleep(TOUCH_S)
            for session in list(self._running.values()):
                reading = self._metering.latest.get(session.connector_id)
                energy = reading.energy_wh if reading else session.meter_start_wh
                now = self._wall.now()
                self.journal.touch(session.local_id, now, energy)
                due = self._sampled.get(session.local_id, self._wall.monotonic()) + SAMPLE_S
                if reading is not None and self._wall.monotonic() >= due:
                    self.journal.sample(session.local_id, now, reading.energy_wh, reading.power_w)
                    self._sampled[session.local_id] = self._wall.monotonic()
                self._sampled.setdefault(session.local_id, self._wall.monotonic())

    async def _reading(self, cid: int) -> MeterReading | None:
        """A fresh reading, else the last good one (the meter is flagged offline for the CSMS)."""
        reading = await self._metering.read_now(cid)
        if reading is not None:
            return reading
        last = self._metering.latest.get(cid)
        if last is None:
            log.error("connector %s: meter never answered; energy recorded as 0", cid)
        else:
            log.error("connector %s: meter offline; using its last reading of %.1f Wh", cid, last.energy_wh)
        return last

    async def _wait_current_gone(self, cid: int) -> None:
        """A meter lags the contactor (averaging, polling): meter stop is read once it shows no flow."""
        deadline = asyncio.get_running_loop().time() + SETTLE_S
        while asyncio.get_running_loop().time() < deadline:
            reading = await self._metering.read_now(cid)
            if reading is None or reading.power_w < NO_FLOW_W:
                return
            await asyncio.sleep(0.1)

    def _signed_start(self, session: Session) -> SignedStart:
        """OCMF's user assignment: a card's UID (hex) is ISO 14443 read by a plain reader; any other
        token came through the CSMS or the EV, whose kind the record leaves undefined."""
        card = all(c in "0123456789abcdefABCDEF" for c in session.id_tag) and 8 <= len(session.id_tag) <= 20
        kind, flags = ("ISO14443", ("RFID_PLAIN",)) if card else ("UNDEFINED", ("OCPP_AUTH",))
        return SignedStart(session.local_id, session.id_tag, kind, flags,
                           f"{self._charge_point} {session.connector_id}".strip())

    async def _begin(self, session: Session) -> None:
        session.signed_begin = await self._metering.begin_signed(session.connector_id, self._signed_start(session))
        reading = await self._reading(session.connector_id)
        session.meter_start_wh = reading.energy_wh if reading else 0.0
        with self._store.transaction():
            self.journal.open(session)
            self._sink.begin_transaction(session, reading)
        self._running[session.local_id] = session
        await self._station.set_meter_start(session, session.meter_start_wh)

    async def _end(self, session: Session) -> None:
        await self._wait_current_gone(session.connector_id)
        reading = await self._reading(session.connector_id)
        session.meter_stop_wh = reading.energy_wh if reading else (session.meter_start_wh or 0.0)
        session.signed = await self._metering.end_signed(session.connector_id, session.local_id)
        self._finish(session, reading)

    def _finish(self, session: Session, reading: MeterReading | None) -> None:
        self._running.pop(session.local_id, None)
        self._sampled.pop(session.local_id, None)
        alive = self.journal.last_alive(session.local_id)
        if alive is not None and session.ended_at is not None and session.ended_at < alive:
            session.ended_at = alive  # never before a value already sent for it
        with self._store.transaction():
            self._sink.end_transaction(session, reading)
            self.journal.close(session)

    # ---- after a crash or a power cut -----------------------------------
    async def recover(self) -> None:
        interrupted = self.journal.interrupted()
        if not interrupted:
            return
        await asyncio.sleep(0.3)  # a few safety ticks: the connectors know what is plugged in
        for row in interrupted:
            # A resumed session's duration counts from its real start, across the restart.
            age_s = max(0.0, (self._wall.now() - row.started_at).total_seconds())
            session = Session(row.connector_id, row.id_tag, row.started_at, local_id=row.local_id,
                              meter_start_wh=row.meter_start_wh, started_mono=self._wall.monotonic() - age_s)
            connector = self._station.connectors.get(row.connector_id)
            if self._resume() and connector is not None and connector.plugged and connector.can_start():
                if await self._station.resume(session):
                    log.warning("connector %s: session %s resumed after restart", row.connector_id, row.local_id)
                    self._running[session.local_id] = session
                    self._sink.resumed(session)
                    continue
            reading = await self._metering.read_now(row.connector_id)
            # Never below an energy value already sent for this transaction.
            session.meter_stop_wh = max(row.last_energy_wh, reading.energy_wh if reading is not None else 0.0)
            if reading is not None and reading.energy_wh < row.last_energy_wh - 1.0:
                log.error("connector %s: meter reads %.1f Wh, below the %.1f Wh it showed during the session; "
                          "billing the latter", row.connector_id, reading.energy_wh, row.last_energy_wh)
            session.ended_at = max(row.last_alive, row.started_at)
            session.stop_reason = StopReason.POWER_LOSS
            session.signed = await self._metering.end_signed(row.connector_id, row.local_id, recovering=True)
            log.warning("connector %s: session %s ended by power loss at %s", row.connector_id, row.local_id,
                        session.ended_at.isoformat())
            self._finish(session, reading)
