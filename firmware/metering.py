"""Polls each connector's meter off the control thread and keeps the latest value.

Meters may block (Modbus), so reads run in a worker thread and the safety loop
never waits for them. A meter that fails is marked offline (an event says so)
and its last value is kept with its age, never presented as fresh.
"""

from __future__ import annotations

import asyncio
import logging

from firmware.events import MeterOnlineChanged
from hal.errors import HalError
from hal.types import MeterReading

log = logging.getLogger(__name__)


class Metering:
    def __init__(self, hal, bus, poll_s: float = 1.0):
        self._meters = {cid: c.meter for cid, c in hal.connectors.items()}
        self._bus = bus
        self.poll_s = poll_s
        self.latest: dict[int, MeterReading | None] = {cid: None for cid in self._meters}
        self.online: dict[int, bool] = {cid: True for cid in self._meters}

    async def read_now(self, cid: int) -> MeterReading | None:
        """A fresh reading, or the last good one (check its taken_at) if the meter fails."""
        try:
            reading = await asyncio.to_thread(self._meters[cid].read)
        except HalError as exc:
            self._set_online(cid, False, str(exc))
            return self.latest[cid]
        self.latest[cid] = reading
        self._set_online(cid, True, "")
        return reading

    async def run(self) -> None:
        while True:
            for cid in self._meters:
                await self.read_now(cid)
            await asyncio.sleep(self.poll_s)

    def _set_online(self, cid: int, online: bool, why: str) -> None:
        if self.online[cid] != online:
            self.online[cid] = online
            log.warning("connector %s: meter %s %s", cid, "back online" if online else "offline:", why)
            self._bus.publish(MeterOnlineChanged(cid, online))
