"""Firmware statuses for the CSMS (OCPP 1.6 FirmwareStatusNotification, and the Security
Whitepaper's SignedFirmwareStatusNotification), queued like transaction messages so a
restart in the middle of an update cannot lose them. The latest is kept for TriggerMessage."""

from __future__ import annotations

PLAIN_FIRMWARE_STATUSES = ("Downloading", "Downloaded", "DownloadFailed", "Installing", "Installed",
                           "InstallationFailed")


class FirmwareReports:
    def __init__(self, outbox):
        self._outbox = outbox
        self.latest: tuple = ("Idle", None, False)  # (status, requestId, signed)

    def report(self, status: str, request_id: int | None, signed: bool) -> None:
        self.latest = (status, request_id, signed)
        if signed:
            self._outbox.push("SignedFirmwareStatusNotification", {"status": status, "requestId": request_id}, None)
        elif status in PLAIN_FIRMWARE_STATUSES:
            self._outbox.push("FirmwareStatusNotification", {"status": status}, None)
