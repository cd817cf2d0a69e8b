"""OCPP 2.0.1 variable monitors (N02-N06): which exist, the rules for setting and clearing
them, the monitoring base and level. Kept in SQLite so they outlive a restart (N07.FR.13),
with the tripped state of each threshold monitor (N07.FR.14: a threshold crossed before
a restart is cleared after it when the value is back).

Three kinds (Part 2, EventNotificationEnumType): hard-wired monitors are the board's
own and can be neither replaced nor cleared (N04.FR.18, N06.FR.03); preconfigured ones
are our factory defaults, switched by SetMonitoringBase (N03); custom ones come from the
CSMS. A preconfigured monitor the CSMS replaces becomes custom (N04.FR.15).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SCHEMA = ("CREATE TABLE IF NOT EXISTS monitors (id INTEGER PRIMARY KEY, variable TEXT NOT NULL, type TEXT NOT NULL, "
          "value REAL NOT NULL, severity INTEGER NOT NULL, tx INTEGER NOT NULL, kind TEXT NOT NULL, "
          "tripped INTEGER NOT NULL DEFAULT 0)")
HARDWIRED, PRECONFIGURED, CUSTOM = "HardWiredMonitor", "PreconfiguredMonitor", "CustomMonitor"
THRESHOLDS = ("UpperThreshold", "LowerThreshold")
PERIODIC = ("Periodic", "PeriodicClockAligned")
TYPES = THRESHOLDS + ("Delta",) + PERIODIC
CRITERION = {"ThresholdMonitoring": THRESHOLDS, "DeltaMonitoring": ("Delta",), "PeriodicMonitoring": PERIODIC}
BASES = ("All", "FactoryDefault", "HardWiredOnly")
NUMERIC = ("integer", "decimal")
FIRST_CUSTOM_ID = 1000  # ids below are the factory's (hard-wired and preconfigured)
SEVERITIES = range(0, 10)  # 0 Danger .. 9 Debug (Part 2, 3.77 VariableMonitoring severity)


@dataclass(frozen=True)
class Monitor:
    id: int
    variable: tuple  # the device model row's key
    type: str
    value: float
    severity: int
    transaction: bool = False
    kind: str = CUSTOM
    tripped: bool = False


def factory_monitors(board, variables) -> list[Monitor]:
    """What the board watches by itself: each EVSE's power against its rating (hard-wired), and
    the temperature reaching the point where derating begins (preconfigured, a warning)."""
    out = []
    for c in board.connectors:
        row = variables.get(("ControlMetering", None, c.id, None, "Power", None))
        if row is not None:
            out.append(Monitor(c.id, row.key, "UpperThreshold", float(row.max), 4, kind=HARDWIRED))
    temperature = variables.get(("TemperatureSensor", None, None, None, "Temperature", None))
    if temperature is not None:
        out.append(Monitor(100, temperature.key, "UpperThreshold", board.derate_from_c, 6, kind=PRECONFIGURED))
    return out


class Monitors:
    def __init__(self, store, variables: dict, factory: list[Monitor]):
        self._store = store
        self._db = store.db
        self.variables = variables
        self.factory = factory
        store.ensure(SCHEMA)
        if not store.get("monitoring.installed", False):  # the first start: the factory's monitors
            with store.transaction():
                for m in factory:
                    self._write(m)
                store.put("monitoring.installed", True)

    # ---- reading ----------------------------------------------------------
    def all(self) -> list[Monitor]:
        rows = self._db.execute("SELECT id, variable, type, value, severity, tx, kind, tripped FROM monitors "
                                "ORDER BY id").fetchall()
        return [Monitor(r[0], tuple(json.loads(r[1])), r[2], r[3], r[4], bool(r[5]), r[6], bool(r[7])) for r in rows]

    def get(self, monitor_id: int) -> Monitor | None:
        return next((m for m in self.all() if m.id == monitor_id), None)

    @property
    def base(self) -> str:
        return self._store.get("monitoring.base", "All")

    @property
    def level(self) -> int:
        return int(self._store.get("monitoring.level", 9))

    # ---- SetVariableMonitoring (N04) ----------------------------------------
    def check(self, row, type_: str, value: float, severity: int, monitor_id: int | None) -> str:
        """The SetMonitoringStatus a request for `row` earns; 'Accepted' when it may be set."""
        if type_ not in TYPES:
            return "UnsupportedMonitorType"
        if type_ in THRESHOLDS and row.data_type not in NUMERIC:
            return "UnsupportedMonitorType"  # N04.FR.05: a threshold needs a number to compare
        if severity not in SEVERITIES:
            return "Rejected"
        if type_ in THRESHOLDS and ((row.min is not None and value < row.min) or (row.max is not None and value > row.max)):
            return "Rejected"  # N04.FR.06: a threshold the variable can never cross
        if (type_ == "Delta" and value < 0) or (type_ in PERIODIC and value <= 0):
            return "Rejected"  # N04.FR.14; a period must be positive
        if monitor_id is not None:
            existing = self.get(monitor_id)
            if existing is None or existing.variable != row.key or existing.kind == HARDWIRED:
                return "Rejected"  # N04.FR.13, N04.FR.16, N04.FR.18
        if any(m.variable == row.key and m.type == type_ and m.severity == severity and m.id != monitor_id
               for m in self.all()):
            return "Duplicate"  # N04.FR.10
        return "Accepted"

    def set(self, row, type_: str, value: float, severity: int, transaction: bool, monitor_id: int | None) -> Monitor:
        """Adds a monitor (a fresh id, N04.FR.11) or replaces one (N04.FR.12, it becomes custom)."""
        with self._store.transaction():
            earlier = None if monitor_id is None else self.get(monitor_id)
            if monitor_id is None:
                top = self._db.execute("SELECT MAX(id) FROM monitors").fetchone()[0] or 0
                monitor_id = max(top + 1, FIRST_CUSTOM_ID)
            # N07.FR.11: a crossed threshold stays crossed until the watcher sees the new one clear it
            tripped = earlier is not None and earlier.tripped and earlier.type == type_
            monitor = Monitor(monitor_id, row.key, type_, float(value), severity, bool(transaction), CUSTOM, tripped)
            self._write(monitor)
        return monitor

    def mark(self, monitor: Monitor, tripped: bool) -> None:
        with self._store.transaction():
            self._db.execute("UPDATE monitors SET tripped = ? WHERE id = ?", (int(tripped), monitor.id))

    # ---- ClearVariableMonitoring (N06) ------------------------------------
    def clear(self, monitor_id: int) -> str:
        existing = self.get(monitor_id)
        if existing is None:
            return "NotFound"
        if existing.kind == HARDWIRED:
            return "Rejected"
        with self._store.transaction():
            self._db.execute("DELETE FROM monitors WHERE id = ?", (monitor_id,))
        return "Accepted"

    # ---- SetMonitoringBase (N03) and SetMonitoringLevel (N05) ----------------
    def set_base(self, base: str) -> str:
        if base not in BASES:
            return "NotSupported"
        kinds = {"All": (), "FactoryDefault": (CUSTOM,), "HardWiredOnly": (CUSTOM, PRECONFIGURED)}[base]
        with self._store.transaction():
            for kind in kinds:
                self._db.execute("DELETE FROM monitors WHERE kind = ?", (kind,))
            if base != "HardWiredOnly":
                taken = {m.id for m in self.all()}
                for m in self.factory:
                    if m.kind == PRECONFIGURED and m.id not in taken:
                        self._write(m)
            self._store.put("monitoring.base", base)
        return "Accepted"

    def set_level(self, severity: int) -> str:
        if severity not in SEVERITIES:
            return "Rejected"  # N05.FR.02
        with self._store.transaction():
            self._store.put("monitoring.level", int(severity))
        return "Accepted"

    # ---- GetMonitoringReport (N02) ------------------------------------------
    def select(self, criteria: list[str] | None, wanted) -> list[Monitor]:
        """Monitors of the rows `wanted` keeps (None: every row) whose type a criterion names."""
        types = set().union(*(CRITERION[c] for c in criteria)) if criteria else set(TYPES)
        return [m for m in self.all() if m.type in types and (wanted is None or wanted(self.variables[m.variable]))]

    def _write(self, m: Monitor) -> None:
        self._db.execute("INSERT OR REPLACE INTO monitors VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (m.id, json.dumps(m.variable), m.type, m.value, m.severity, int(m.transaction), m.kind,
                          int(m.tripped)))
