"""The control thread: ticks every connector, and runs commands between ticks.

It runs on its own thread so that nothing on the asyncio side (a large OCPP
frame being parsed, SQLite, a slow meter) can delay a trip. It wakes at once
when a driver reports an input change, and otherwise every tick: the fast
period while any connector is in a session or has its contactor closed (a trip
must open it), the idle period when everything is open already (only plug-in
detection is waiting, and 100 ms is plenty for that). Everything that mutates
a connector runs here, so connectors need no locks.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections import deque
from typing import Callable

from firmware.core.tick_guard import TickGuard

log = logging.getLogger(__name__)


class ControlLoop:
    def __init__(self, connectors: list, tick_s: float, idle_tick_s: float | None = None,
                 wake: threading.Event | None = None, clock: Callable[[], float] = time.monotonic):
        self.connectors = connectors
        self._clock = clock  # the injected monotonic clock (firmware.clock), read by the loop thread
        self.tick_s = tick_s
        self.idle_tick_s = idle_tick_s or tick_s
        self.ticks = 0
        self.last_tick = 0.0  # no tick yet: the service is not ready
        # Set by whoever has news for the tick: input drivers, the metering, commands.
        self._wake = wake or threading.Event()
        self._commands: deque = deque()
        self._failing: set[int] = set()  # connectors whose tick raised, logged once
        self._running = False
        self._thread: threading.Thread | None = None
        self.guard = TickGuard(self, clock=clock)

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._run, name="control-loop", daemon=True)
        self._thread.start()
        self.guard.start()

    def stop(self) -> None:
        """Stop ticking; every contactor is left open."""
        self._running = False
        self.guard.stop()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for connector in self.connectors:
            connector.safe_off()

    def wake(self) -> None:
        self._wake.set()

    def call(self, fn: Callable, *args) -> concurrent.futures.Future:
        """Run fn(*args, now) on the control thread; the future holds its result."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._commands.append((future, fn, args))
        self.wake()
        return future

    def _run(self) -> None:
        while self._running:
            self._wake.wait(self._period(self._clock()))
            self._wake.clear()
            self.tick_once(self._clock())

    def _period(self, now: float) -> float:
        """Until the next tick; sooner when a time-based check falls due before it."""
        busy = any(c.contactor_closed or c.session is not None for c in self.connectors)
        period = self.tick_s if busy else self.idle_tick_s
        for connector in self.connectors:
            due = connector.safety.next_due()
            if due is not None and self.last_tick < due < now + period:
                # Just past it (the check uses >=). A due that passed after the last tick looked (while
                # it ran, a moment too early) is checked at once, not a whole period later.
                period = min(period, max(0.0, due - now + 0.0005))
        return period

    def tick_once(self, now: float) -> None:
        stalled = self.guard.stalled(now)
        for connector in self.connectors:
            try:
                connector.tick(now, stalled)
                self._failing.discard(connector.id)
            except Exception:
                connector.safe_off()
                if connector.id not in self._failing:  # once, not every 20 ms
                    self._failing.add(connector.id)
                    log.exception("connector %s: tick failed; contactor opened", connector.id)
        if self._commands:
            self._run_commands(now)
            self.wake()  # outputs follow the command on the very next tick
        self.ticks += 1
        self.last_tick = now
        if any(c.contactor_closed for c in self.connectors):
            self.guard.arm()

    def _run_commands(self, now: float) -> None:
        while self._commands:
            future, fn, args = self._commands.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, now))
            except Exception as exc:  # the caller gets it; the loop goes on
                future.set_exception(exc)
