"""TriggerMessage (Core's RemoteTrigger profile, section 5.17) and the security
extension's ExtendedTriggerMessage: which messages, and sending them.

The answer goes first (the handlers' @after hooks call `send`). A connectorId
that names no connector is Rejected; without one, connector-specific messages
are sent for every connector (StatusNotification also for connector 0).
Transaction-related MeterValues go through the outbox like all of their kind.
"""

from __future__ import annotations

from ocpp.v16 import call

CORE = ("BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat",
        "MeterValues", "StatusNotification")
EXTENDED = ("BootNotification", "LogStatusNotification", "FirmwareStatusNotification", "Heartbeat", "MeterValues",
            "SignChargePointCertificate", "StatusNotification")
FIRMWARE_BUSY = ("Downloading", "Downloaded", "Installing", "DownloadScheduled", "InstallScheduled",
                 "SignatureVerified", "InstallRebooting")


def answer(station, requested: str, connector_id: int | None, known) -> str:
    if connector_id is not None and connector_id != 0 and connector_id not in station.connectors:
        return "Rejected"
    return "Accepted" if requested in known else "NotImplemented"


async def send(adapter, requested: str, connector_id: int | None, extended: bool) -> None:
    cp = adapter.cp
    if cp is None:
        return
    if requested == "Heartbeat":
        await cp.call(call.Heartbeat())
    elif requested == "BootNotification":
        await cp.call(adapter.boot_request())
    elif requested == "StatusNotification":
        await adapter.resend_status(cp, connector_id)
    elif requested == "MeterValues":
        targets = [connector_id] if connector_id else list(adapter.station.connectors)
        for cid in targets:
            adapter.meters.triggered(cid)
    elif requested == "SignChargePointCertificate":
        await adapter.security.sign_certificate(cp)
    elif requested == "DiagnosticsStatusNotification":
        await cp.call(call.DiagnosticsStatusNotification(status="Uploading" if adapter.logs.busy else "Idle"))
    elif requested == "LogStatusNotification":
        busy = adapter.logs.busy
        await cp.call(call.LogStatusNotification(status="Uploading" if busy else "Idle",
                                                 request_id=adapter.logs.request_id if busy else None))
    elif requested == "FirmwareStatusNotification":
        await _firmware(adapter, cp, extended)


async def _firmware(adapter, cp, extended: bool) -> None:
    status, request_id, signed = adapter.firmware_reports.latest
    busy = status in FIRMWARE_BUSY
    if extended:  # the whitepaper's trigger asks for SignedFirmwareStatusNotification
        await cp.call(call.SignedFirmwareStatusNotification(
            status=status if busy and signed else "Idle", request_id=request_id if busy and signed else None))
    else:
        await cp.call(call.FirmwareStatusNotification(status=status if busy and not signed else "Idle"))
