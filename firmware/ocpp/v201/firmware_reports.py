"""FirmwareStatusNotification (OCPP 2.0.1 L01), queued so a restart in an update cannot lose it."""

from __future__ import annotations


class FirmwareReports201:
    def __init__(self, outbox):
        self._outbox = outbox
        self.latest: tuple = ("Idle", None, False)

    def report(self, status: str, request_id: int | None, signed: bool) -> None:
        self.latest = (status, request_id, signed)
        payload = {"status": status}
        if request_id is not None:
            payload["requestId"] = request_id
        self._outbox.push("FirmwareStatusNotification", payload, None)
