"""The hardware we really have, as 2.0.1 device model components (Part 2, appendix: the
standardized components): the contactor, the RCD, the lock and the meter (power, and
current and voltage per phase) of each EVSE; the temperature sensor, the emergency
stop, the supply and the card reader of the station. Each fault of the fault matrix
shows on one of these (firmware.ocpp.v201.fault_events), so a monitor can watch it.

Every value is live (read from the model when asked, never stored) and read-only.
"""

from __future__ import annotations

from firmware.ocpp.v201.fault_events import FAULT_VARIABLE
from firmware.ocpp.v201.variables import RO, Variable



def faults_shown_by(component: str, variable: str) -> set[str]:
    return {f for f, (c, v, _, _) in FAULT_VARIABLE.items() if (c, v) == (component, variable)}


def evse_rows(c, board) -> list[Variable]:
    v = Variable
    lines = [f"L{n}" for n in range(1, board.phases + 1)]
    rating_w = c.max_current_a * board.voltage_v * board.phases
    return [
        v("EVSE", "Problem", "boolean", "false", RO, evse=c.id),
        v("ConnectorPlugRetentionLock", "Problem", "boolean", "false", RO, evse=c.id),
        *[v("ControlMetering", "Current", "decimal", "0", RO, instance=line, evse=c.id, unit="A", min=0,
            max=c.max_current_a * 2) for line in lines],
        *[v("ControlMetering", "Voltage", "decimal", "0", RO, instance=line, evse=c.id, unit="V", min=0, max=500)
          for line in lines],
        v("PowerContactor", "Active", "boolean", "false", RO, evse=c.id),
        v("PowerContactor", "Problem", "boolean", "false", RO, evse=c.id),
        v("RCD", "Tripped", "boolean", "false", RO, evse=c.id),
        v("ControlMetering", "Power", "decimal", "0", RO, evse=c.id, unit="W", min=0, max=rating_w),
        v("ControlMetering", "Problem", "boolean", "false", RO, evse=c.id),
    ]


def station_rows() -> list[Variable]:
    v = Variable
    return [
        v("TemperatureSensor", "Temperature", "decimal", "", RO, unit="Celsius", min=-50, max=150, required=False),
        v("TemperatureSensor", "Problem", "boolean", "false", RO, required=False),
        v("EmergencyStopSensor", "Active", "boolean", "false", RO, required=False),
        v("TokenReader", "Enabled", "boolean", "true", RO, required=False),
        v("TokenReader", "Problem", "boolean", "false", RO, required=False),
        v("ElectricalFeed", "Problem", "boolean", "false", RO, required=False),
        v("ChargingStation", "Problem", "boolean", "false", RO, required=False),
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

    def phase(row, values) -> str:
        index = int(row.instance[1:]) - 1
        return f"{values[index]:.1f}" if index < len(values) else "0"

    def shown(component: str, variable: str):
        names = faults_shown_by(component, variable)
        return lambda row: flag(bool(trips(row) & names) or bool(station.faults & names))

    def reading(row):
        return metering.fresh(row.evse)

    return {
        ("PowerContactor", "Active"): lambda row: flag(connector(row).contactor_closed),
        ("ControlMetering", "Power"): power,
        ("EVSE", "Power"): power,
        ("ControlMetering", "Problem"): lambda row: flag(
            bool(metering.faults[row.evse] & faults_shown_by("ControlMetering", "Problem"))
            or not metering.online[row.evse]),
        ("TemperatureSensor", "Temperature"): temperature,
        ("ControlMetering", "Current"): lambda row: "0" if reading(row) is None else phase(row, reading(row).currents_a),
        ("ControlMetering", "Voltage"): lambda row: "0" if reading(row) is None else phase(row, reading(row).voltages_v),
        # the fault matrix's own variables: one table (fault_events.FAULT_VARIABLE) says which fault shows where
        **{key: shown(*key) for key in (("PowerContactor", "Problem"), ("RCD", "Tripped"),
                                        ("TemperatureSensor", "Problem"), ("EmergencyStopSensor", "Active"),
                                        ("TokenReader", "Problem"), ("EVSE", "Problem"),
                                        ("ConnectorPlugRetentionLock", "Problem"), ("ElectricalFeed", "Problem"),
                                        ("ChargingStation", "Problem"))},
    }
