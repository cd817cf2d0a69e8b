"""The hardware we really have, as 2.0.1 device model components (Part 2, appendix: the
standardized components): the contactor, the RCD and the meter of each EVSE; the
temperature sensor, the emergency stop and the card reader of the station.

Every value is live (read from the model when asked, never stored) and read-only.
"""

from __future__ import annotations

from firmware.ocpp.v201.variables import RO, Variable

CONTACTOR_PROBLEMS = {"weld", "contactor_stuck_open"}
METER_PROBLEMS = {"meter_offline", "meter_backwards", "meter_replaced"}


def evse_rows(c) -> list[Variable]:
    v = Variable
    return [
        v("PowerContactor", "Active", "boolean", "false", RO, evse=c.id),
        v("PowerContactor", "Problem", "boolean", "false", RO, evse=c.id),
        v("RCD", "Tripped", "boolean", "false", RO, evse=c.id),
        v("ControlMetering", "Power", "decimal", "0", RO, evse=c.id, unit="W"),
        v("ControlMetering", "Problem", "boolean", "false", RO, evse=c.id),
    ]


def station_rows() -> list[Variable]:
    v = Variable
    return [
        v("TemperatureSensor", "Temperature", "decimal", "", RO, unit="Celsius", required=False),
        v("TemperatureSensor", "Problem", "boolean", "false", RO, required=False),
        v("EmergencyStopSensor", "Active", "boolean", "false", RO, required=False),
        v("TokenReader", "Enabled", "boolean", "true", RO, required=False),
        v("TokenReader", "Problem", "boolean", "false", RO, required=False),
    ]


def live(station, metering) -> dict:
    """(component, variable) -> provider(row) for every row above, and EVSE.Power."""
    def connector(row):
        return station.connector(row.evse)

    def trips(row) -> set[str]:
        return set(connector(row).trips) if row.evse is not None else {
            t for c in station.connectors.values() for t in c.trips}

    def power(row) -> str:
        reading = metering.fresh(row.evse)
        return "0" if reading is None else f"{reading.power_w:.1f}"

    def temperature(row) -> str:
        temps = [c.safety.temperature_c for c in station.connectors.values() if c.safety.temperature_c is not None]
        return f"{temps[0]:.1f}" if temps else ""

    def flag(value: bool) -> str:
        return "true" if value else "false"

    return {
        ("PowerContactor", "Active"): lambda row: flag(connector(row).contactor_closed),
        ("PowerContactor", "Problem"): lambda row: flag(bool(trips(row) & CONTACTOR_PROBLEMS)),
        ("RCD", "Tripped"): lambda row: flag("rcd" in trips(row)),
        ("ControlMetering", "Power"): power,
        ("EVSE", "Power"): power,
        ("ControlMetering", "Problem"): lambda row: flag(bool(metering.faults[row.evse] & METER_PROBLEMS)
                                                         or not metering.online[row.evse]),
        ("TemperatureSensor", "Temperature"): temperature,
        ("TemperatureSensor", "Problem"): lambda row: flag("temp_sensor" in trips(row)),
        ("EmergencyStopSensor", "Active"): lambda row: flag("estop" in trips(row)),
        ("TokenReader", "Problem"): lambda row: flag("reader" in station.faults),
    }
