"""Charger-model state and faults -> OCPP 1.6 ChargePointStatus and ErrorCode."""

from __future__ import annotations

from firmware.core import charger
from firmware.core.faults import FAULTS, ORDER

STATUS = {
    charger.AVAILABLE: "Available",
    charger.PREPARING: "Preparing",
    charger.CHARGING: "Charging",
    charger.SUSPENDED_EV: "SuspendedEV",
    charger.SUSPENDED_EVSE: "SuspendedEVSE",
    charger.FINISHING: "Finishing",
    charger.FAULTED: "Faulted",
    charger.UNAVAILABLE: "Unavailable",
    charger.RESERVED: "Reserved",
}

# OCPP 1.6 section 7.6 ChargePointErrorCode per fault of firmware.core.faults.
ERROR_CODE = {
    "weld": "PowerSwitchFailure",
    "contactor_stuck_open": "PowerSwitchFailure",
    "power_fail": "UnderVoltage",
    "rcd": "GroundFailure",
    "estop": "OtherError",
    "overtemp": "HighTemperature",
    "temp_sensor": "InternalError",
    "pilot_adc": "InternalError",
    "tick_stall": "InternalError",
    "overcurrent": "OverCurrentFailure",
    "over_voltage": "OverVoltage",
    "under_voltage": "UnderVoltage",
    "diode": "EVCommunicationError",
    "pilot_short": "EVCommunicationError",
    "pilot_invalid": "EVCommunicationError",
    "pp_invalid": "OtherError",
    "lock_failure": "ConnectorLockFailure",
    "isolation": "GroundFailure",
    "power_module": "InternalError",
    "ev_error": "EVCommunicationError",
    "ev_comm": "EVCommunicationError",
    "meter_offline": "PowerMeterFailure",
    "meter_backwards": "PowerMeterFailure",
    "meter_replaced": "PowerMeterFailure",
    "meter_signature": "PowerMeterFailure",
    "meter_clock": "PowerMeterFailure",
    "meter_key_changed": "PowerMeterFailure",
    "reader": "ReaderFailure",
}
assert set(ERROR_CODE) == {f.name for f in FAULTS}, "every fault of the matrix needs its 1.6 errorCode"

# Faults of the whole charger: connector 0 reports them too.
STATION_WIDE = frozenset({"estop", "overtemp", "temp_sensor", "power_fail", "reader"})


def status_of(state: str, faults) -> tuple[str, str, str | None]:
    """(status, errorCode, info) for a connector: the most serious fault names the code."""
    known = sorted((f for f in faults if f in ORDER), key=ORDER.__getitem__)
    if known:
        return STATUS[state], ERROR_CODE[known[0]], known[0]
    return STATUS[state], "NoError", None
