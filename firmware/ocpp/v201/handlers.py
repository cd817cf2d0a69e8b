"""OCPP 2.0.1 requests from the CSMS: parse, call the charger model, answer in 2.0.1's words.

One ChargePoint201 lives per websocket connection; what outlives a connection
(the outbox, the device model, statuses) is on the adapter it delegates to.
"""

from __future__ import annotations

import asyncio
import json
import logging

from ocpp.exceptions import FormatViolationError, OccurrenceConstraintViolationError, SecurityError
from ocpp.routing import after, on
from ocpp.v201 import call, call_result

from firmware.clock import iso
from firmware.core.session import StopReason
from firmware.ocpp.v201 import mappings as words
from firmware.ocpp.v201.handlers_display import DisplayHandlers
from firmware.ocpp.v201.handlers_lists import ListHandlers
from firmware.ocpp.v201.handlers_maintenance import MaintenanceHandlers
from firmware.ocpp.v201.handlers_monitoring import MonitoringHandlers
from firmware.ocpp.v201.handlers_security import SecurityHandlers
from firmware.ocpp.v201.handlers_smart import SmartHandlers
from firmware.ocpp.v201.report_parts import report_parts_of
from firmware.ocpp.v201.rpc import RpcChargePoint201
from firmware.ocpp.v201.security import SIGN_TRIGGERS
from firmware.station import UnknownConnector

log = logging.getLogger(__name__)

OUR_VENDOR_ID = "OpenChargeController"
TRIGGERED = ("BootNotification", "Heartbeat", "StatusNotification", "MeterValues", "TransactionEvent",
             "FirmwareStatusNotification", "LogStatusNotification")


class ChargePoint201(SecurityHandlers, MaintenanceHandlers, ListHandlers, SmartHandlers, DisplayHandlers,
                     MonitoringHandlers, RpcChargePoint201):
    def __init__(self, cp_id, connection, adapter, response_timeout=30):
        super().__init__(cp_id, connection, response_timeout=response_timeout)
        self.adapter = adapter
        self.station = adapter.station
        self.model = adapter.model

    async def _handle_call(self, msg):
        """B03: while the CSMS has Rejected our registration, every request of its is refused.
        B06, B07: a Get/SetVariables (or Set/ClearVariableMonitoring) larger than ItemsPerMessage or BytesPerMessage says is refused."""
        if self.adapter.registration == "Rejected" and not self.adapter.accepted:
            raise SecurityError(description="the registration of this station was rejected")
        if msg.action in LIMITED:  # N04.FR.09, N06.FR.06/.07 alike for the monitors
            component, field = LIMITED[msg.action]
            items = len(msg.payload.get(field) or [])
            if items > int(self.model.read(component, "ItemsPerMessage", msg.action)):
                raise OccurrenceConstraintViolationError(description=f"{items} items exceed ItemsPerMessage")
            size = len(json.dumps(msg.payload, separators=(",", ":")))
            if size > int(self.model.read(component, "BytesPerMessage", msg.action)):
                raise FormatViolationError(description=f"{size} bytes exceed BytesPerMessage")
        return await super()._handle_call(msg)

    # ---- device model (B05-B07) ---------------------------------------------
    @on("GetVariables")
    def on_get_variables(self, get_variable_data, **_):
        results = []
        for item in get_variable_data:
            attribute = item.get("attribute_type", "Actual")
            status, value = self.model.get(item["component"], item["variable"], attribute)
            results.append({"attribute_status": status, "attribute_type": attribute, "component": item["component"],
                            "variable": item["variable"], **({"attribute_value": value} if value is not None else {})})
        return call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(self, set_variable_data, **_):
        results = []
        for item in set_variable_data:
            attribute = item.get("attribute_type", "Actual")
            status = self.model.set(item["component"], item["variable"], item["attribute_value"], attribute)
            log.info("SetVariables %s.%s -> %s", item["component"].get("name"), item["variable"].get("name"), status)
            results.append({"attribute_status": status, "attribute_type": attribute, "component": item["component"],
                            "variable": item["variable"]})
        return call_result.SetVariables(set_variable_result=results)

    @on("GetBaseReport")
    def on_get_base_report(self, request_id, report_base, **_):
        return call_result.GetBaseReport(status="Accepted")

    @after("GetBaseReport")
    async def after_get_base_report(self, request_id, report_base, **_):
        await self._notify_report(request_id, self.model.report(report_base))

    @on("GetReport")
    def on_get_report(self, request_id, component_criteria=None, component_variable=None, **_):
        found = self.model.custom_report(component_criteria, component_variable)
        return call_result.GetReport(status="Accepted" if found else "EmptyResultSet")

    @after("GetReport")
    async def after_get_report(self, request_id, component_criteria=None, component_variable=None, **_):
        found = self.model.custom_report(component_criteria, component_variable)
        if found:
            await self._notify_report(request_id, found)

    async def _notify_report(self, request_id: int, items: list[dict]) -> None:
        """NotifyReport parts of at most ItemsPerMessage items and BytesPerMessage bytes (GetReport),
        seqNo from 0, tbc on all but the last."""
        chunks = report_parts_of(self.model, items)
        for seq, chunk in enumerate(chunks):
            await self.call(call.NotifyReport(request_id=request_id, generated_at=iso(self.adapter.wall.now()),
                                              seq_no=seq, report_data=chunk or None, tbc=seq < len(chunks) - 1))

    # ---- remote control (F01-F06) -------------------------------------------
    @on("RequestStartTransaction")
    async def on_request_start(self, id_token, remote_start_id, evse_id=None, charging_profile=None, **_):
        if not self.adapter.accepted or (evse_id is not None and evse_id not in self.station.connectors):
            return call_result.RequestStartTransaction(status="Rejected")
        tag = id_token["id_token"]
        cid = self.station.pick_connector(evse_id, tag)
        if cid is None:
            return call_result.RequestStartTransaction(status="Rejected")
        if charging_profile is not None and self.adapter.smart.set_profile(
                cid, charging_profile, for_remote_start=True) != "Accepted":
            return call_result.RequestStartTransaction(status="Rejected")  # K05.FR.03
        self.adapter.remote_start(tag, id_token["type"], remote_start_id)
        if self.adapter.policy.authorize_remote_start():
            self.tasks.spawn(self.adapter.authorize_then_start(cid, tag), f"remote start on EVSE {cid}")
            return call_result.RequestStartTransaction(status="Accepted")
        started = await self.station.authorize(cid, tag)
        if not started:
            self.adapter.remote_start_failed(tag)
        return call_result.RequestStartTransaction(status="Accepted" if started else "Rejected")

    @on("RequestStopTransaction")
    async def on_request_stop(self, transaction_id, **_):
        local_id = self.adapter.outbox.local_id_of(transaction_id)
        stopped = local_id is not None and (await self.station.stop_session(local_id, StopReason.REMOTE)
                                            or self.adapter.tx_points.stop_remote(local_id))
        return call_result.RequestStopTransaction(status="Accepted" if stopped else "Rejected")

    @on("GetTransactionStatus")
    def on_get_transaction_status(self, transaction_id=None, **_):
        queued = [m for m in self.adapter.outbox.pending(TRANSACTION_EVENT)
                  if transaction_id is None or m.get("transactionInfo", {}).get("transactionId") == transaction_id]
        ongoing = None
        if transaction_id is not None:
            local_id = self.adapter.outbox.local_id_of(transaction_id)
            ongoing = local_id is not None and self.station.session_by_id(local_id) is not None
        return call_result.GetTransactionStatus(messages_in_queue=bool(queued), ongoing_indicator=ongoing)

    @on("UnlockConnector")
    async def on_unlock(self, evse_id, connector_id, **_):
        if connector_id != 1 or evse_id not in self.station.connectors:
            return call_result.UnlockConnector(status="UnknownConnector")
        if self.station.connector(evse_id).session is not None:  # F05: 2.0.1 unlocks no running transaction
            return call_result.UnlockConnector(status="OngoingAuthorizedTransaction")
        try:
            status = words.UNLOCK[await self.station.unlock(evse_id)]
        except UnknownConnector:
            status = "UnknownConnector"
        return call_result.UnlockConnector(status=status)

    @on("ChangeAvailability")
    async def on_change_availability(self, operational_status, evse=None, **_):
        cid = 0 if not evse else evse["id"]
        if cid != 0 and (cid not in self.station.connectors or evse.get("connector_id") not in (None, 1)):
            return call_result.ChangeAvailability(status="Rejected")  # each EVSE has connector 1 only
        operative = operational_status == "Operative"
        self.adapter.remember_availability(cid, operative)
        status = await self.station.set_operative(cid, operative)
        return call_result.ChangeAvailability(status=words.AVAILABILITY[status])

    @on("Reset")
    def on_reset(self, type, evse_id=None, **_):
        if evse_id is not None and evse_id not in self.station.connectors:
            return call_result.Reset(status="Rejected")
        busy = bool(self.station.sessions()) if evse_id is None else self.station.connector(evse_id).session
        return call_result.Reset(status="Scheduled" if busy and type == "OnIdle" else "Accepted")

    @after("Reset")
    async def after_reset(self, type, evse_id=None, **_):
        if evse_id is not None and evse_id not in self.station.connectors:
            return
        if evse_id is not None:
            await self.adapter.reset_evse(evse_id, immediate=(type == "Immediate"))
            return
        while type == "OnIdle" and self.station.sessions():
            await asyncio.sleep(1.0)  # Scheduled (B12): once the last transaction has ended
        await self.adapter.reset(hard=(type == "Immediate"))

    @on("TriggerMessage")
    def on_trigger(self, requested_message, evse=None, **_):
        return call_result.TriggerMessage(status=self._trigger_answer(requested_message, evse))

    def _trigger_answer(self, requested_message, evse) -> str:
        if evse and evse.get("id") not in self.station.connectors:
            return "Rejected"
        if requested_message == "BootNotification" and self.adapter.accepted:
            return "Rejected"  # F06: the registration stands already
        if requested_message in SIGN_TRIGGERS:  # the V2G ones only where a connector speaks ISO 15118
            ok = self.adapter.security.can_sign(SIGN_TRIGGERS[requested_message])
            return "Accepted" if ok else "NotImplemented"
        return "Accepted" if requested_message in TRIGGERED else "NotImplemented"

    @after("TriggerMessage")
    async def after_trigger(self, requested_message, evse=None, **_):
        cid = evse.get("id") if evse else None
        if self._trigger_answer(requested_message, evse) != "Accepted":
            return
        if requested_message == "Heartbeat":
            await self.call(call.Heartbeat())
        elif requested_message == "StatusNotification":
            await self.adapter.resend_status(self, cid)
        elif requested_message in ("MeterValues", "TransactionEvent"):
            await self.adapter.send_triggered(self, requested_message, cid)
        elif requested_message == "FirmwareStatusNotification":
            status, request_id, _ = self.adapter.firmware_reports.latest
            busy = request_id is not None and status not in FIRMWARE_DONE
            await self.call(call.FirmwareStatusNotification(status=status if busy else "Idle",
                                                            request_id=request_id if busy else None))
        elif requested_message == "LogStatusNotification":
            busy = self.adapter.logs.busy
            await self.call(call.LogStatusNotification(status="Uploading" if busy else "Idle",
                                                       request_id=self.adapter.logs.request_id if busy else None))
        elif requested_message in SIGN_TRIGGERS:
            await self.adapter.security.sign_certificate(self, SIGN_TRIGGERS[requested_message])

    @on("ClearCache")
    def on_clear_cache(self, **_):
        if not self.adapter.policy.cache_enabled():
            return call_result.ClearCache(status="Rejected")  # C11: no cache to clear
        self.adapter.authorizer.clear_cache()
        return call_result.ClearCache(status="Accepted")

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id, message_id=None, data=None, **_):
        known = vendor_id == OUR_VENDOR_ID
        return call_result.DataTransfer(status="UnknownMessageId" if known else "UnknownVendorId")


TRANSACTION_EVENT = "TransactionEvent"
LIMITED = {"GetVariables": ("DeviceDataCtrlr", "getVariableData"), "SetVariables": ("DeviceDataCtrlr", "setVariableData"),
           "SetVariableMonitoring": ("MonitoringCtrlr", "setMonitoringData"),
           "ClearVariableMonitoring": ("MonitoringCtrlr", "id")}
# L01: once an update has ended one way or the other, a triggered status says Idle.
FIRMWARE_DONE = {"Installed", "InstallationFailed", "DownloadFailed", "InvalidSignature", "InstallVerificationFailed",
                 "Idle"}
