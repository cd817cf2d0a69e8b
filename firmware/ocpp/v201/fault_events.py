"""Every fault of the fault matrix (firmware.core.faults) as a NotifyEvent (OCPP 2.0.1 N07): a
HardWiredNotification on the component and variable that shows it, with the fault's name as
techCode and what detects it as techInfo; `cleared` when it ends.

Charger-wide faults (the emergency stop, the temperature, the supply) appear in the trips of
every connector's tick; they are reported once, on the station's component. The severities
(0 Danger .. 9 Debug) say how urgent each fault is for an operator.
"""

from __future__ import annotations

from collections.abc import Callable

from firmware.core.faults import BY_NAME

NOTIFICATION = "HardWiredNotification"
EVSE, STATION = True, False

# fault -> (component, variable, on the EVSE or the station, severity)
# fmt: off
FAULT_VARIABLE: dict[str, tuple[str, str, bool, int]] = {
    "weld":                 ("PowerContactor", "Problem", EVSE, 0),
    "contactor_stuck_open": ("PowerContactor", "Problem", EVSE, 1),
    "power_fail":           ("ElectricalFeed", "Problem", STATION, 2),
    "rcd":                  ("RCD", "Tripped", EVSE, 0),
    "estop":                ("EmergencyStopSensor", "Active", STATION, 0),
    "overtemp":             ("TemperatureSensor", "Temperature", STATION, 3),
    "temp_sensor":          ("TemperatureSensor", "Problem", STATION, 4),
    "pilot_adc":            ("EVSE", "Problem", EVSE, 1),
    "tick_stall":           ("ChargingStation", "Problem", STATION, 2),
    "overcurrent":          ("EVSE", "Problem", EVSE, 3),
    "over_voltage":         ("ElectricalFeed", "Problem", STATION, 3),
    "under_voltage":        ("ElectricalFeed", "Problem", STATION, 4),
    "diode":                ("EVSE", "Problem", EVSE, 4),
    "pilot_short":          ("EVSE", "Problem", EVSE, 4),
    "pilot_invalid":        ("EVSE", "Problem", EVSE, 4),
    "pp_invalid":           ("EVSE", "Problem", EVSE, 4),
    "lock_failure":         ("ConnectorPlugRetentionLock", "Problem", EVSE, 4),
    "isolation":            ("EVSE", "Problem", EVSE, 1),
    "power_module":         ("AcDcConverter", "Problem", EVSE, 2),
    "ev_error":             ("EVSE", "Problem", EVSE, 4),
    "ev_comm":              ("EVSE", "Problem", EVSE, 5),
    "meter_offline":        ("ControlMetering", "Problem", EVSE, 4),
    "meter_backwards":      ("ControlMetering", "Problem", EVSE, 4),
    "meter_replaced":       ("ControlMetering", "Problem", EVSE, 5),
    "meter_signature":      ("ControlMetering", "Problem", EVSE, 4),
    "meter_clock":          ("ControlMetering", "Problem", EVSE, 4),
    "meter_key_changed":    ("ControlMetering", "Problem", EVSE, 4),
    "reader":               ("TokenReader", "Problem", STATION, 4),
}
# fmt: on
UNKNOWN = ("ChargingStation", "Problem", STATION, 2)


def fault_rows(faults_by_source: dict[tuple, frozenset[str]]) -> set[tuple[tuple, str]]:
    """(device model key, fault) for every active fault; `source` is (what saw it, its EVSE or None)."""
    out = set()
    for (_, evse), faults in faults_by_source.items():
        for fault in faults:
            component, variable, on_evse, _ = FAULT_VARIABLE.get(fault, UNKNOWN)
            at = evse if on_evse and evse is not None else None
            if on_evse and at is None:
                component, variable = UNKNOWN[:2]
            out.add(((component, None, at, None, variable, None), fault))
    return out


class FaultEvents:
    def __init__(self, variables: dict, sender, actual: Callable):
        """`actual(row)`: the variable's value now (a temperature, or 'true')."""
        self.variables = variables
        self.sender = sender
        self.actual = actual
        self.sources: dict[tuple, frozenset[str]] = {}
        self.reported: set[tuple[tuple, str]] = set()

    def update(self, source: tuple, faults) -> None:
        """What one source (a connector's tick, its meter, the station) shows now."""
        self.sources[source] = frozenset(faults)
        now = fault_rows(self.sources)
        still = {key for key, _ in now}
        events = [self._event(key, fault, False, True) for key, fault in sorted(now - self.reported)]
        events += [self._event(key, fault, True, key in still) for key, fault in sorted(self.reported - now)]
        self.reported = now
        self.sender.send([e for e in events if e is not None])

    def _event(self, key: tuple, fault: str, cleared: bool, problem: bool) -> dict | None:
        """`problem`: whether the variable still shows one (another fault on it may remain)."""
        row = self.variables.get(key)
        if row is None:
            return None
        severity = FAULT_VARIABLE.get(fault, UNKNOWN)[3]
        known = BY_NAME.get(fault)
        actual = self.actual(row) if row.data_type != "boolean" else str(problem).lower()
        return self.sender.event(row, severity, "Alerting", actual, NOTIFICATION, cleared=cleared, tech_code=fault,
                                 tech_info=known.detected_by if known else None)
