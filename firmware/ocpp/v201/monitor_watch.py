"""Watching the monitored variables (OCPP 2.0.1 N07 alert events, N08 periodic events).

Once a second every monitor's variable is read the way GetVariables reads it
(live values from the hardware, stored ones from SQLite):
  UpperThreshold / LowerThreshold  Alerting once the value goes beyond the threshold
                                   (not at it: N07.FR.16, .17), cleared once it is back
                                   (N07.FR.02); the crossed state outlives a restart
  Delta                            a number moving more than the value from the last one
                                   reported (N07.FR.18); anything else on every change
                                   (N07.FR.19); a write-only variable when it is written,
                                   without its value (N07.FR.10)
  Periodic                         every `value` seconds from when it was set (N08.FR.06)
  PeriodicClockAligned             at every multiple of `value` seconds of the clock (N08.FR.07)
A monitor with `transaction` set watches only while its EVSE (for the station's
components: any EVSE) has a transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from firmware.ocpp.v201.monitors import NUMERIC, THRESHOLDS, Monitor
from firmware.ocpp.v201.variables import WO

log = logging.getLogger(__name__)

LOOK_S = 1.0


def number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


class MonitorWatch:
    def __init__(self, monitors, model, sender, clock, transaction_on: Callable[[int | None], tuple[bool, str | None]]):
        """`transaction_on(evse)`: (a transaction runs there, its id when it is one EVSE's)."""
        self.monitors = monitors
        self.model = model
        self.sender = sender
        self.clock = clock
        self.transaction_on = transaction_on
        self.last: dict[int, tuple[tuple, object]] = {}  # monitor id -> (what it was set to, reference or due)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(LOOK_S)
            self.look()

    def look(self) -> None:
        events = []
        for m in self.monitors.all():
            row = self.model.variables.get(m.variable)
            if row is None:
                continue
            running, tx = self.transaction_on(row.evse) if m.transaction else (True, None)
            if not running:
                self.last.pop(m.id, None)  # watching starts afresh with the next transaction
                continue
            event = self._check(m, row, tx)
            if event is not None:
                events.append(event)
        self.sender.send(events)

    def written(self, row, value: str) -> None:
        """A variable the CSMS has just set: a write-only one can only be watched here."""
        if row.mutability != WO:
            return
        events = [self._event(m, row, "Delta", "", None) for m in self.monitors.all()
                  if m.variable == row.key and m.type == "Delta"]
        self.sender.send([e for e in events if e is not None])

    def _check(self, m: Monitor, row, tx: str | None) -> dict | None:
        if row.mutability == WO:
            return None
        text = self.model.value(row)
        if m.type in THRESHOLDS:
            return self._threshold(m, row, text, tx)
        setting = (m.variable, m.type, m.value)
        before = self.last.get(m.id)
        first = before is None or before[0] != setting
        if m.type == "Delta":
            if first or self._moved(row, before[1], text, m.value):
                self.last[m.id] = (setting, text)
                return None if first else self._event(m, row, "Delta", text, tx)
            return None
        if m.type == "Periodic":  # N08.FR.06: `value` seconds after it was set or last fired
            now = self.clock.monotonic()
            if first or now >= before[1]:
                self.last[m.id] = (setting, now + m.value)
                return None if first else self._event(m, row, "Periodic", text, tx)
            return None
        slot = int(self.clock.now().timestamp() // m.value)  # N08.FR.07: multiples of `value` on the clock
        self.last[m.id] = (setting, slot)
        return None if first or slot == before[1] else self._event(m, row, "Periodic", text, tx)

    def _threshold(self, m: Monitor, row, text: str, tx: str | None) -> dict | None:
        value = number(text)
        if value is None:
            return None
        beyond = value > m.value if m.type == "UpperThreshold" else value < m.value
        if beyond == m.tripped:
            return None
        self.monitors.mark(m, beyond)
        log.info("monitor %s: %s.%s = %s is %s its %s %s", m.id, row.component, row.name, text,
                 "beyond" if beyond else "back within", m.type, m.value)
        return self._event(m, row, "Alerting", text, tx, cleared=not beyond)

    def _moved(self, row, reference: str, text: str, delta: float) -> bool:
        if row.data_type in NUMERIC:
            a, b = number(reference), number(text)
            if a is not None and b is not None:
                return abs(b - a) > delta
        return text != reference

    def _event(self, m: Monitor, row, trigger: str, text: str, tx: str | None, cleared: bool = False) -> dict | None:
        return self.sender.event(row, m.severity, trigger, text, m.kind, monitor_id=m.id, cleared=cleared,
                                 transaction_id=tx)
