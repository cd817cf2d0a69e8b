"""The charger model's own words: what both OCPP versions map from and to, at their edges.

Values are lower-case and neutral on purpose: no OCPP spelling leaks into the
model, the services or the stores. `firmware/ocpp/v16/mappings.py` (and the
2.0.1 adapter's) hold the tables to each version's words, as EVerest's
conversions do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class StopReason(str, Enum):
    """Why a session ended."""

    LOCAL = "local"
    REMOTE = "remote"
    EV_DISCONNECTED = "ev_disconnected"
    EMERGENCY_STOP = "emergency_stop"
    HARD_RESET = "hard_reset"
    SOFT_RESET = "soft_reset"
    POWER_LOSS = "power_loss"
    REBOOT = "reboot"
    UNLOCK_COMMAND = "unlock_command"
    DEAUTHORIZED = "deauthorized"
    MASTER_PASS = "master_pass"  # a card of the master pass group ended it (OCPP 2.0.1 C16)
    OTHER = "other"


class AvailabilityResult(str, Enum):
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"  # a session runs: applies when it ends
    REJECTED = "rejected"


class UnlockResult(str, Enum):
    UNLOCKED = "unlocked"
    FAILED = "failed"
    NOT_SUPPORTED = "not_supported"  # no lock, or a tethered cable


class ReservationResult(str, Enum):
    ACCEPTED = "accepted"
    FAULTED = "faulted"
    OCCUPIED = "occupied"
    REJECTED = "rejected"
    UNAVAILABLE = "unavailable"


class CancelResult(str, Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class LocalListResult(str, Enum):
    ACCEPTED = "accepted"
    FAILED = "failed"
    VERSION_MISMATCH = "version_mismatch"
    NOT_SUPPORTED = "not_supported"


class IdTokenType(str, Enum):
    """How a driver identified (OCPP 2.0.1 IdTokenEnumType; 1.6 knows only the value)."""

    CENTRAL = "central"
    E_MAID = "e_maid"
    ISO14443 = "iso14443"
    ISO15693 = "iso15693"
    KEY_CODE = "key_code"
    LOCAL = "local"
    MAC_ADDRESS = "mac_address"
    NO_AUTHORIZATION = "no_authorization"


@dataclass(frozen=True)
class IdToken:
    value: str
    type: IdTokenType = IdTokenType.ISO14443
