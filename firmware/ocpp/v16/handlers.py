"""OCPP 1.6 requests from the CSMS: parse, call the charger model, answer.

One ChargePoint16 lives per websocket connection; everything that must outlive
a connection (outbox, keys, statuses) is on the adapter it delegates to.
"""

from __future__ import annotations

import logging

from ocpp.exceptions import NotSupportedError
from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from firmware.clock import parse_utc
from firmware.ocpp.v16 import mappings as words
from firmware.ocpp.v16 import triggers
from firmware.reservations import Reservation
from firmware.ocpp.v16.rpc import RpcChargePoint
from firmware.security import events as ev
from firmware.core.session import StopReason
from firmware.station import UnknownConnector

log = logging.getLogger(__name__)

OUR_VENDOR_ID = "OpenChargeController"


class ChargePoint16(RpcChargePoint):
    def __init__(self, cp_id, connection, adapter, response_timeout=30):
        super().__init__(cp_id, connection, response_timeout=response_timeout)
        self.adapter = adapter
        self.station = adapter.station

    def on_invalid_message(self, excerpt: str) -> None:
        if self.adapter.security is not None:
            self.adapter.security.events.record(ev.INVALID_MESSAGES, f"malformed frame: {excerpt}")

    @on(Action.remote_start_transaction)
    async def on_remote_start(self, id_tag, connector_id=None, charging_profile=None, **_):
        if not self.adapter.accepted:  # OCPP 1.6 4.2.1: nothing starts before the registration is Accepted
            return call_result.RemoteStartTransaction(status="Rejected")
        if connector_id is not None and connector_id not in self.station.connectors:
            return call_result.RemoteStartTransaction(status="Rejected")
        cid = self.station.pick_connector(connector_id, id_tag)
        # A connector reserved for a group (parentIdTag): the tag's group is known only once it is authorized.
        group_check = cid is None and self.station.reserved_for_a_group(connector_id)
        if cid is None and not group_check:
            return call_result.RemoteStartTransaction(status="Rejected")
        cid = connector_id if cid is None else cid
        if charging_profile is not None and self.adapter.smart.set_profile(
                cid, charging_profile, for_remote_start=True) != "Accepted":
            return call_result.RemoteStartTransaction(status="Rejected")
        if group_check or self.adapter.keys.get_bool("AuthorizeRemoteTxRequests"):
            self.tasks.spawn(self.adapter.authorize_then_start(cid, id_tag), f"remote start on connector {cid}")
            return call_result.RemoteStartTransaction(status="Accepted")
        started = await self.station.authorize(cid, id_tag)
        return call_result.RemoteStartTransaction(status="Accepted" if started else "Rejected")

    @on(Action.remote_stop_transaction)
    async def on_remote_stop(self, transaction_id, **_):
        local_id = self.adapter.outbox.local_id_of(str(transaction_id))
        stopped = local_id is not None and await self.station.stop_session(local_id, StopReason.REMOTE)
        return call_result.RemoteStopTransaction(status="Accepted" if stopped else "Rejected")

    @on(Action.reserve_now)
    def on_reserve_now(self, connector_id, expiry_date, id_tag, reservation_id, parent_id_tag=None, **_):
        expiry = parse_utc(expiry_date)
        if expiry is None:
            log.warning("ReserveNow %s refused: expiryDate %r is no date", reservation_id, expiry_date[:40])
            return call_result.ReserveNow(status="Rejected")
        result = self.adapter.reservations.reserve(Reservation(reservation_id, connector_id, id_tag, expiry,
                                                               parent_id_tag))
        return call_result.ReserveNow(status=words.RESERVATION[result])

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id, **_):
        return call_result.CancelReservation(status=words.CANCEL[self.adapter.reservations.cancel(reservation_id)])

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, connector_id, cs_charging_profiles, **_):
        return call_result.SetChargingProfile(status=self.adapter.smart.set_profile(connector_id, cs_charging_profiles))

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, id=None, connector_id=None, charging_profile_purpose=None, stack_level=None,
                                  **_):
        return call_result.ClearChargingProfile(status=self.adapter.smart.clear(
            id, connector_id, charging_profile_purpose, stack_level))

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, connector_id, duration, charging_rate_unit=None, **_):
        return call_result.GetCompositeSchedule(**self.adapter.smart.composite(connector_id, duration,
                                                                                 charging_rate_unit))

    @on(Action.reset)
    def on_reset(self, type, **_):
        return call_result.Reset(status="Accepted")

    @after(Action.reset)
    async def after_reset(self, type, **_):
        await self.adapter.reset(hard=(type == "Hard"))

    @on(Action.unlock_connector)
    async def on_unlock(self, connector_id, **_):
        try:
            status = words.UNLOCK[await self.station.unlock(connector_id)]
        except UnknownConnector:
            status = "NotSupported"
        return call_result.UnlockConnector(status=status)

    @on(Action.change_availability)
    async def on_change_availability(self, connector_id, type, **_):
        if connector_id != 0 and connector_id not in self.station.connectors:
            return call_result.ChangeAvailability(status="Rejected")
        operative = type == "Operative"
        self.adapter.remember_availability(connector_id, operative)
        status = await self.station.set_operative(connector_id, operative)
        return call_result.ChangeAvailability(status=words.AVAILABILITY[status])

    @on(Action.get_configuration)
    def on_get_configuration(self, key=None, **_):
        keys = self.adapter.keys
        names = keys.visible() if not key else key
        shown = set(keys.visible())
        known = [{"key": n, "readonly": keys.keys[n].readonly, "value": keys.get(n)} for n in names if n in shown]
        unknown = [n for n in names if n not in shown]  # a write-only key is as good as unknown
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self, key, value, **_):
        status = self.adapter.keys.change(key, value)
        log.info("ChangeConfiguration %s -> %s", key, status)
        return call_result.ChangeConfiguration(status=status)

    @on(Action.clear_cache)
    def on_clear_cache(self, **_):
        self.adapter.authorizer.clear_cache()
        return call_result.ClearCache(status="Accepted")

    @on(Action.send_local_list)
    def on_send_local_list(self, list_version, update_type, local_authorization_list=None, **_):
        entries = local_authorization_list or []
        if len(entries) > self.adapter.keys.get_int("SendLocalListMaxLength"):
            return call_result.SendLocalList(status="Failed")
        status = self.adapter.apply_local_list(list_version, update_type == "Full", entries)
        return call_result.SendLocalList(status=words.LOCAL_LIST[status])

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_):
        return call_result.GetLocalListVersion(list_version=self.adapter.local_list_version())

    @on(Action.install_certificate)
    def on_install_certificate(self, certificate_type, certificate, **_):
        return call_result.InstallCertificate(status=self.adapter.security.install(certificate_type, certificate))

    @on(Action.delete_certificate)
    def on_delete_certificate(self, certificate_hash_data, **_):
        return call_result.DeleteCertificate(status=self.adapter.security.delete(certificate_hash_data))

    @on(Action.get_installed_certificate_ids)
    def on_get_installed_certificate_ids(self, certificate_type, **_):
        found = self.adapter.security.installed(certificate_type)
        if not found:
            return call_result.GetInstalledCertificateIds(status="NotFound")
        return call_result.GetInstalledCertificateIds(status="Accepted", certificate_hash_data=found)

    @on(Action.certificate_signed)
    def on_certificate_signed(self, certificate_chain, **_):
        return call_result.CertificateSigned(status=self.adapter.security.signed(certificate_chain))

    @on(Action.trigger_message)
    def on_trigger(self, requested_message, connector_id=None, **_):
        return call_result.TriggerMessage(status=triggers.answer(self.station, requested_message, connector_id,
                                                                 triggers.CORE))

    @after(Action.trigger_message)
    async def after_trigger(self, requested_message, connector_id=None, **_):
        if triggers.answer(self.station, requested_message, connector_id, triggers.CORE) == "Accepted":
            await triggers.send(self.adapter, requested_message, connector_id, extended=False)

    @on(Action.extended_trigger_message)
    def on_extended_trigger(self, requested_message, connector_id=None, **_):
        return call_result.ExtendedTriggerMessage(status=triggers.answer(self.station, requested_message,
                                                                         connector_id, triggers.EXTENDED))

    @after(Action.extended_trigger_message)
    async def after_extended_trigger(self, requested_message, connector_id=None, **_):
        if triggers.answer(self.station, requested_message, connector_id, triggers.EXTENDED) == "Accepted":
            await triggers.send(self.adapter, requested_message, connector_id, extended=True)

    @on(Action.update_firmware)
    def on_update_firmware(self, location, retrieve_date, retries=None, retry_interval=None, **_):
        # Security Whitepaper: with signed updates supported, the plain request is
        # answered NotSupported, unless the operator keeps it for an older CSMS.
        if not self.adapter.keys.get_bool("UnsignedFirmwareUpdates"):
            raise NotSupportedError(description="only SignedUpdateFirmware is accepted")
        self.adapter.firmware.plain(location, retrieve_date, retries, retry_interval)
        return call_result.UpdateFirmware()

    @on(Action.signed_update_firmware)
    def on_signed_update_firmware(self, request_id, firmware, retries=None, retry_interval=None, **_):
        status = self.adapter.firmware.signed(request_id, firmware, retries, retry_interval)
        return call_result.SignedUpdateFirmware(status=status)

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self, location, retries=None, retry_interval=None, start_time=None, stop_time=None, **_):
        name = self.adapter.logs.diagnostics(location, start_time, stop_time, retries, retry_interval)
        return call_result.GetDiagnostics(file_name=name)

    @on(Action.get_log)
    def on_get_log(self, log, log_type, request_id, retries=None, retry_interval=None, **_):
        status, filename = self.adapter.logs.request(log_type, request_id, log, retries, retry_interval)
        return call_result.GetLog(status=status, filename=filename)

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id, message_id=None, data=None, **_):
        status = "UnknownMessageId" if vendor_id == OUR_VENDOR_ID else "UnknownVendorId"
        return call_result.DataTransfer(status=status)
