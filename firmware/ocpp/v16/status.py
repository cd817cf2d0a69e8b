"""Charger-model state and faults -> OCPP 1.6 ChargePointStatus and ErrorCode."""

from __future__ import annotations

from firmware import charger, safety

STATUS = {
    charger.AVAILABLE: "Available",
    charger.PREPARING: "Preparing",
    charger.CHARGING: "Charging",
    charger.SUSPENDED_EV: "SuspendedEV",
    charger.SUSPENDED_EVSE: "SuspendedEVSE",
    charger.FINISHING: "Finishing",
    charger.FAULTED: "Faulted",
    charger.UNAVAILABLE: "Unavailable",
}


# Most serious first: the first fault present names the errorCode.
ERROR_CODE = (
    (safety.WELD, "PowerSwitchFailure"),
    (safety.STUCK_OPEN, "PowerSwitchFailure"),
    (safety.RCD, "GroundFailure"),
    (safety.ESTOP, "OtherError"),
    (safety.OVERTEMP, "HighTemperature"),
    (safety.DIODE, "EVCommunicationError"),
    (safety.PILOT_SHORT, "EVCommunicationError"),
    (safety.PILOT_INVALID, "EVCommunicationError"),
    (safety.PP_INVALID, "OtherError"),
    ("meter_offline", "PowerMeterFailure"),
    ("meter_backwards", "PowerMeterFailure"),
    ("meter_replaced", "PowerMeterFailure"),
)


def status_of(state: str, faults) -> tuple[str, str, str | None]:
    """(status, errorCode, info) for a connector."""
    for fault, code in ERROR_CODE:
        if fault in faults:
            return STATUS[state], code, fault
    return STATUS[state], "NoError", None
