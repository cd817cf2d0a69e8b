"""An independent guard over the safety tick: a stalled tick still opens the contactors.

The control thread can hang inside a driver (an SPI or I2C transfer that never
returns); while it hangs it trips nothing. systemd's watchdog restarts the
service only seconds later. This guard runs on a thread of its own, never
touches what the tick touches except the outputs, and while any contactor is
closed it watches the time of the last completed tick: once that is
STALL_TICKS periods old, it opens every contactor and drives the pilot to
state F (IEC 61851-1 Table A.3: EVSE not available), well within the 100 ms
the norm allows for opening on a fault (IEC 61851-1 6.3.3 / Table A.6).

The tick, when it runs again, sees the `tick_stall` fault (a supply-side row
of the fault matrix: the session stops, InternalError) until it has run
normally for CLEAR_S.
"""

from __future__ import annotations

import logging
import threading
import time

from firmware.core.iec61851.pilot import DUTY_STATE_F

log = logging.getLogger(__name__)

STALL_TICKS = 3  # the tick is this many periods late: stalled
# The guard looks twice per tick period while a contactor is closed (it acts within STALL_TICKS + 1/2
# periods). With every contactor open it sleeps until the tick that closes one arms it (`arm()`),
# so an idle charger spends no CPU on watching nothing.
IDLE_CHECK_S = 0.1  # and a look now and then, should a tick hang between closing and arming
CLEAR_S = 1.0  # normal ticks for this long end the fault


class TickGuard:
    def __init__(self, loop, clock=time.monotonic):
        self._loop = loop
        self._clock = clock
        self.limit_s = STALL_TICKS * loop.tick_s
        self.tripped_at: float | None = None  # monotonic time the guard acted
        self.last_stall_ms: float | None = None  # last completed tick -> contactors open
        self._resumed_at: float | None = None
        self._running = False
        self._armed = threading.Event()
        self._thread: threading.Thread | None = None

    def arm(self) -> None:
        """A contactor is closed: watch closely from now on."""
        if not self._armed.is_set():
            self._armed.set()

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._run, name="tick-guard", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        self._armed.set()
        if self._thread is not None:
            self._thread.join(timeout=1)

    def _run(self) -> None:
        tick_s = self._loop.tick_s
        while self._running:
            if any(c.contactor_closed for c in self._loop.connectors):
                time.sleep(tick_s / 2)
            else:
                self._armed.wait(IDLE_CHECK_S)
                self._armed.clear()
            self.check(self._clock())

    def check(self, now: float) -> bool:
        """Act when a closed contactor's tick is late; True when it acted now."""
        loop = self._loop
        if self.tripped_at is not None or not loop.last_tick:
            return False
        if not any(c.contactor_closed for c in loop.connectors) or now - loop.last_tick < self.limit_s:
            return False
        for connector in loop.connectors:  # outputs first (a DC output's modules off too), then anything else
            _safe(connector.safe_off)
            _safe(connector.hal.pilot.set_pwm, DUTY_STATE_F)
        opened = self._clock()
        self.tripped_at, self._resumed_at = opened, None
        self.last_stall_ms = (opened - loop.last_tick) * 1000.0
        log.critical("safety tick stalled (%.0f ms since the last one): every contactor opened, pilot at state F",
                     self.last_stall_ms)
        return True

    def stalled(self, now: float) -> bool:
        """Called by each completed tick: True while the tick_stall fault stands."""
        if self.tripped_at is None:
            return False
        if self._resumed_at is None:
            self._resumed_at = now
        if now - self._resumed_at < CLEAR_S:
            return True
        self.tripped_at = None
        log.warning("safety tick running normally again for %.0f s", CLEAR_S)
        return False


def _safe(action, *args) -> None:
    try:
        action(*args)
    except Exception:  # one broken output must not keep the guard from the others
        log.exception("tick guard: %s failed", getattr(action, "__qualname__", action))
