"""The controller as a systemd service: READY, WATCHDOG and STOPPING via sd_notify.

READY=1 goes out once the HAL is up and the safety loop has ticked. WATCHDOG=1
goes out every half WatchdogSec (WATCHDOG_USEC), but only while the safety
loop really ticks: if its last tick is older than STALL_S the keep-alives stop
and systemd restarts the service. A busy event loop cannot fake liveness for a
dead safety thread. Outside systemd (no NOTIFY_SOCKET) nothing is sent.
"""

from __future__ import annotations

import asyncio
import logging
import os

import sdnotify

from firmware.clock import Clock

log = logging.getLogger(__name__)

STALL_S = 1.0  # ten idle ticks: a loop this late is hung, not busy


class ServiceNotifier:
    def __init__(self, control_loop, clock=None):
        self._loop = control_loop
        self._clock = clock or Clock()
        self._notifier = sdnotify.SystemdNotifier()
        usec = os.environ.get("WATCHDOG_USEC")
        self.interval_s = int(usec) / 2e6 if usec and usec.isdigit() else None

    def ticking(self) -> bool:
        return self._clock.monotonic() - self._loop.last_tick < STALL_S

    async def run(self) -> None:
        while not self.ticking():
            await asyncio.sleep(0.01)
        self._notifier.notify("READY=1\nSTATUS=safety loop running")
        log.info("service ready%s", f"; watchdog every {self.interval_s:.1f}s" if self.interval_s else "")
        if self.interval_s is None:
            return
        stalled = False
        while True:
            await asyncio.sleep(self.interval_s)
            if self.ticking():
                self._notifier.notify("WATCHDOG=1")
                stalled = False
            elif not stalled:
                stalled = True
                log.critical("safety loop stalled for %.1fs: no watchdog keep-alive",
                             self._clock.monotonic() - self._loop.last_tick)

    def stopping(self) -> None:
        self._notifier.notify("STOPPING=1")
