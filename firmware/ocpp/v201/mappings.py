"""The charger model's words <-> OCPP 2.0.1's (Part 2, section 3: enumerations)."""

from __future__ import annotations

from firmware.core import charger
from firmware.core.faults import BY_NAME, TRIP
from firmware.core.vocabulary import (AvailabilityResult, CancelResult, LocalListResult, ReservationResult,
                                      StopReason, UnlockResult)

CONNECTOR_STATUS = {  # ConnectorStatusEnumType: every state of a session is Occupied
    charger.AVAILABLE: "Available", charger.PREPARING: "Occupied", charger.CHARGING: "Occupied",
    charger.SUSPENDED_EV: "Occupied", charger.SUSPENDED_EVSE: "Occupied", charger.FINISHING: "Occupied",
    charger.FAULTED: "Faulted", charger.UNAVAILABLE: "Unavailable", charger.RESERVED: "Reserved",
}
CHARGING_STATE = {  # ChargingStateEnumType of a running transaction
    charger.CHARGING: "Charging", charger.SUSPENDED_EV: "SuspendedEV", charger.SUSPENDED_EVSE: "SuspendedEVSE",
    charger.PREPARING: "EVConnected", charger.FINISHING: "EVConnected",
}
STOP_REASON = {  # ReasonEnumType
    StopReason.LOCAL: "Local", StopReason.REMOTE: "Remote", StopReason.EV_DISCONNECTED: "EVDisconnected",
    StopReason.EMERGENCY_STOP: "EmergencyStop", StopReason.HARD_RESET: "ImmediateReset",
    StopReason.SOFT_RESET: "Reboot", StopReason.POWER_LOSS: "PowerLoss", StopReason.REBOOT: "Reboot",
    StopReason.UNLOCK_COMMAND: "Other", StopReason.DEAUTHORIZED: "DeAuthorized", StopReason.OTHER: "Other",
    StopReason.MASTER_PASS: "MasterPass",
}
STOP_TRIGGER = {  # TriggerReasonEnumType of the Ended event
    StopReason.LOCAL: "StopAuthorized", StopReason.REMOTE: "RemoteStop", StopReason.EV_DISCONNECTED: "EVDeparted",
    StopReason.EMERGENCY_STOP: "AbnormalCondition", StopReason.HARD_RESET: "ResetCommand",
    StopReason.SOFT_RESET: "ResetCommand", StopReason.POWER_LOSS: "AbnormalCondition",
    StopReason.REBOOT: "ResetCommand", StopReason.UNLOCK_COMMAND: "UnlockCommand",
    StopReason.DEAUTHORIZED: "Deauthorized", StopReason.OTHER: "AbnormalCondition",
    StopReason.MASTER_PASS: "StopAuthorized",
}
AVAILABILITY = {AvailabilityResult.ACCEPTED: "Accepted", AvailabilityResult.SCHEDULED: "Scheduled",
                AvailabilityResult.REJECTED: "Rejected"}
UNLOCK = {UnlockResult.UNLOCKED: "Unlocked", UnlockResult.FAILED: "UnlockFailed",
          UnlockResult.NOT_SUPPORTED: "UnknownConnector"}
RESERVATION = {ReservationResult.ACCEPTED: "Accepted", ReservationResult.FAULTED: "Faulted",
               ReservationResult.OCCUPIED: "Occupied", ReservationResult.REJECTED: "Rejected",
               ReservationResult.UNAVAILABLE: "Unavailable"}
CANCEL = {CancelResult.ACCEPTED: "Accepted", CancelResult.REJECTED: "Rejected"}
LOCAL_LIST = {LocalListResult.ACCEPTED: "Accepted", LocalListResult.FAILED: "Failed",
              LocalListResult.VERSION_MISMATCH: "VersionMismatch", LocalListResult.NOT_SUPPORTED: "Failed"}
TABLES = {StopReason: STOP_REASON, AvailabilityResult: AVAILABILITY, UnlockResult: UNLOCK,
          ReservationResult: RESERVATION, CancelResult: CANCEL, LocalListResult: LOCAL_LIST}


def connector_status(state: str, faults) -> str:
    """A trip shows Faulted even while the session machine catches up."""
    if any(BY_NAME[f].action == TRIP for f in faults if f in BY_NAME):
        return "Faulted"
    return CONNECTOR_STATUS[state]


# Security events: the log keeps the whitepaper's (1.6) names; 2.0.1 (Part 2, appendix) renamed these.
SECURITY_EVENT = {"FailedToAuthenticateAtCentralSystem": "FailedToAuthenticateAtCsms",
                  "InvalidCentralSystemCertificate": "InvalidCsmsCertificate",
                  "InvalidChargePointCertificate": "InvalidChargingStationCertificate"}
