"""Security events: written to the rotating security log at once, and sent to
the CSMS as SecurityEventNotification through the persistent outbox, so an
event that happens offline (a failed TLS handshake, above all) still arrives.
"""

from __future__ import annotations

import logging
import logging.handlers
import time
from pathlib import Path

from firmware.clock import iso

# The whitepaper's event types that apply to this controller.
STARTUP = "StartupOfTheDevice"
RESET = "ResetOrReboot"
FAILED_TO_AUTHENTICATE = "FailedToAuthenticateAtCentralSystem"
SETTING_SYSTEM_TIME = "SettingSystemTime"
RECONFIGURATION = "ReconfigurationOfSecurityParameters"
INVALID_MESSAGES = "InvalidMessages"
INVALID_CS_CERTIFICATE = "InvalidCentralSystemCertificate"
INVALID_CP_CERTIFICATE = "InvalidChargePointCertificate"
INVALID_TLS_VERSION = "InvalidTLSVersion"
INVALID_TLS_CIPHER = "InvalidTLSCipherSuite"
INVALID_FIRMWARE_SIGNATURE = "InvalidFirmwareSignature"
INVALID_FIRMWARE_SIGNING_CERTIFICATE = "InvalidFirmwareSigningCertificate"
FIRMWARE_UPDATED = "FirmwareUpdated"
TAMPER = "TamperDetectionActivated"

ROUTINE = (STARTUP, RESET, FIRMWARE_UPDATED, SETTING_SYSTEM_TIME)  # logged at INFO: nothing is wrong
TECH_INFO_MAX = 255
THROTTLED = (INVALID_MESSAGES,)  # at most one a minute
THROTTLE_S = 60.0  # SecurityEventNotification.techInfo is a CiString255


def utc_formatter(fmt: str) -> logging.Formatter:
    """Log files the CSMS may ask for (GetLog) carry UTC times, as OCPP does."""
    formatter = logging.Formatter(fmt)
    formatter.converter = time.gmtime
    return formatter


class SecurityEvents:
    def __init__(self, data_dir: str | Path, wall, push=None):
        folder = Path(data_dir) / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "security.log"
        self._log = logging.getLogger(f"evse.security.{id(self)}")
        self._log.propagate = False
        self._log.setLevel(logging.INFO)
        handler = logging.handlers.RotatingFileHandler(self.path, maxBytes=256 * 1024, backupCount=4)
        handler.setFormatter(utc_formatter("%(asctime)s %(message)s"))
        self._log.addHandler(handler)
        self._wall = wall
        self._last: dict[str, float] = {}
        self.push = push  # the outbox's push, set by the OCPP adapter

    def record(self, kind: str, tech_info: str | None = None) -> None:
        if kind in THROTTLED:
            now = self._wall.monotonic()
            if now - self._last.get(kind, -THROTTLE_S) < THROTTLE_S:
                return  # a flood of garbage must not flood the outbox
            self._last[kind] = now
        info = (tech_info or "")[:TECH_INFO_MAX]
        self._log.info("%s %s", kind, info)
        level = logging.INFO if kind in ROUTINE else logging.WARNING
        logging.getLogger(__name__).log(level, "security event %s %s", kind, info)
        if self.push is not None:
            payload = {"type": kind, "timestamp": iso(self._wall.now())}
            if info:
                payload["techInfo"] = info
            self.push("SecurityEventNotification", payload, None)

    def files(self) -> list[Path]:
        return sorted(self.path.parent.glob("security.log*"))
