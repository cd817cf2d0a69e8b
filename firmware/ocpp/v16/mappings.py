"""The charger model's words <-> OCPP 1.6's (sections 7.x of the specification).

Every enum of `firmware.core.vocabulary` that crosses the 1.6 edge has its
table here, and a test checks that each table covers its enum.
"""

from __future__ import annotations

from firmware.core.vocabulary import (AvailabilityResult, CancelResult, LocalListResult, ReservationResult,
                                      StopReason, UnlockResult)

STOP_REASON = {  # 7.41 Reason
    StopReason.LOCAL: "Local", StopReason.REMOTE: "Remote", StopReason.EV_DISCONNECTED: "EVDisconnected",
    StopReason.EMERGENCY_STOP: "EmergencyStop", StopReason.HARD_RESET: "HardReset",
    StopReason.SOFT_RESET: "SoftReset", StopReason.POWER_LOSS: "PowerLoss", StopReason.REBOOT: "Reboot",
    StopReason.UNLOCK_COMMAND: "UnlockCommand", StopReason.DEAUTHORIZED: "DeAuthorized", StopReason.OTHER: "Other",
    StopReason.MASTER_PASS: "Other",  # 1.6 has no master pass; never produced under 1.6
}
AVAILABILITY = {  # 7.5 AvailabilityStatus
    AvailabilityResult.ACCEPTED: "Accepted", AvailabilityResult.SCHEDULED: "Scheduled",
    AvailabilityResult.REJECTED: "Rejected",
}
UNLOCK = {  # 7.48 UnlockStatus
    UnlockResult.UNLOCKED: "Unlocked", UnlockResult.FAILED: "UnlockFailed", UnlockResult.NOT_SUPPORTED: "NotSupported",
}
RESERVATION = {  # 7.40 ReservationStatus
    ReservationResult.ACCEPTED: "Accepted", ReservationResult.FAULTED: "Faulted",
    ReservationResult.OCCUPIED: "Occupied", ReservationResult.REJECTED: "Rejected",
    ReservationResult.UNAVAILABLE: "Unavailable",
}
CANCEL = {CancelResult.ACCEPTED: "Accepted", CancelResult.REJECTED: "Rejected"}  # 7.9 CancelReservationStatus
LOCAL_LIST = {  # 7.44 UpdateStatus
    LocalListResult.ACCEPTED: "Accepted", LocalListResult.FAILED: "Failed",
    LocalListResult.VERSION_MISMATCH: "VersionMismatch", LocalListResult.NOT_SUPPORTED: "NotSupported",
}
TABLES = {StopReason: STOP_REASON, AvailabilityResult: AVAILABILITY, UnlockResult: UNLOCK,
          ReservationResult: RESERVATION, CancelResult: CANCEL, LocalListResult: LOCAL_LIST}
