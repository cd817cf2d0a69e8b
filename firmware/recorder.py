"""Closes the loop between a session and its meter: meter start and meter stop.

The connector does not close its contactor until the session's meter start is
recorded, so the energy billed (meter stop - meter start) is exactly what the
meter counted while the contactor was closed.
"""

from __future__ import annotations

import asyncio
import logging

from firmware.events import SessionEnded, SessionStarted, TransactionBegun, TransactionEnded
from hal.types import MeterReading

log = logging.getLogger(__name__)

SETTLE_S = 2.0  # longest wait for a meter to show the contactor opened
NO_FLOW_W = 20.0


class SessionRecorder:
    def __init__(self, station, metering, bus):
        self._station = station
        self._metering = metering
        self._bus = bus
        self._events = bus.subscribe()

    async def run(self) -> None:
        while True:
            event = await self._events.get()
            if isinstance(event, SessionStarted):
                await self._begin(event.session)
            elif isinstance(event, SessionEnded):
                await self._end(event.session)

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

    async def _begin(self, session) -> None:
        reading = await self._reading(session.connector_id)
        session.meter_start_wh = reading.energy_wh if reading else 0.0
        await self._station.set_meter_start(session, session.meter_start_wh)
        self._bus.publish(TransactionBegun(session, reading))

    async def _end(self, session) -> None:
        await self._wait_current_gone(session.connector_id)
        reading = await self._reading(session.connector_id)
        session.meter_stop_wh = reading.energy_wh if reading else (session.meter_start_wh or 0.0)
        self._bus.publish(TransactionEnded(session, reading))
