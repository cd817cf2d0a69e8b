"""A small OCPP 2.0.1 CSMS on the `ocpp` library, for the bench and the tests.

It accepts every station, answers every request with schema-validated
payloads, records every CALL it receives (action and JSON payload, in order)
and can send any request to a connected station. The same recording surface as
the 1.6 bench CSMS (firmware/bench/csms.py), so tests read alike.
"""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call_result

from firmware.bench.csms import BenchCsms, RecordingSide, now_iso


class CsmsSide201(RecordingSide, ChargePoint):
    """The CSMS's view of one charging station (recording as the 1.6 side does)."""

    @on("BootNotification")
    def on_boot(self, **_):
        status, interval = self.csms.boot_answer
        return call_result.BootNotification(current_time=now_iso(), interval=interval, status=status)

    @on("Heartbeat")
    def on_heartbeat(self, **_):
        return call_result.Heartbeat(current_time=now_iso())

    @on("StatusNotification")
    def on_status(self, **_):
        return call_result.StatusNotification()

    @on("Authorize")
    def on_authorize(self, id_token, certificate=None, iso15118_certificate_hash_data=None, **_):
        """A contract (C07) with its chain or OCSP data: certificateStatus as set in `certificate_status`
        (default Accepted)."""
        info = self.csms.token_info(id_token["id_token"])
        if certificate is None and iso15118_certificate_hash_data is None:
            return call_result.Authorize(id_token_info=info)
        return call_result.Authorize(id_token_info=info, certificate_status=self.csms.certificate_status)

    @on("TransactionEvent")
    def on_transaction_event(self, event_type, id_token=None, **_):
        cost = {} if self.csms.total_cost is None or event_type == "Started" else {"total_cost": self.csms.total_cost}
        if id_token is not None:
            tag = id_token["id_token"]
            info = self.csms.transaction_tags.get(tag) or self.csms.token_info(tag)
            return call_result.TransactionEvent(id_token_info=info, **cost)
        return call_result.TransactionEvent(**cost)

    @on("NotifyReport")
    def on_notify_report(self, **_):
        return call_result.NotifyReport()

    @on("SecurityEventNotification")
    def on_security_event(self, **_):
        return call_result.SecurityEventNotification()

    @on("FirmwareStatusNotification")
    def on_firmware_status(self, **_):
        return call_result.FirmwareStatusNotification()

    @on("MeterValues")
    def on_meter_values(self, **_):
        return call_result.MeterValues()

    @on("SignCertificate")
    def on_sign_certificate(self, csr, **_):
        self.csms.csrs.append(csr)
        return call_result.SignCertificate(status=self.csms.sign_answer)

    @on("LogStatusNotification")
    def on_log_status(self, **_):
        return call_result.LogStatusNotification()

    @on("NotifyCustomerInformation")
    def on_customer_information(self, **_):
        return call_result.NotifyCustomerInformation()

    @on("NotifyDisplayMessages")
    def on_notify_display_messages(self, **_):
        return call_result.NotifyDisplayMessages()

    @on("NotifyChargingLimit")
    def on_notify_charging_limit(self, **_):
        return call_result.NotifyChargingLimit()

    @on("ClearedChargingLimit")
    def on_cleared_charging_limit(self, **_):
        return call_result.ClearedChargingLimit()

    @on("ReportChargingProfiles")
    def on_report_charging_profiles(self, **_):
        return call_result.ReportChargingProfiles()

    @on("NotifyEVChargingNeeds")
    def on_notify_ev_charging_needs(self, **_):
        return call_result.NotifyEVChargingNeeds(status=self.csms.needs_status)

    @on("NotifyEVChargingSchedule")
    def on_notify_ev_charging_schedule(self, **_):
        return call_result.NotifyEVChargingSchedule(status="Accepted")

    @on("ReservationStatusUpdate")
    def on_reservation_status_update(self, **_):
        return call_result.ReservationStatusUpdate()

    @on("NotifyEvent")
    def on_notify_event(self, **_):
        return call_result.NotifyEvent()

    @on("NotifyMonitoringReport")
    def on_notify_monitoring_report(self, **_):
        return call_result.NotifyMonitoringReport()

    @on("Get15118EVCertificate")
    async def on_ev_certificate(self, exi_request, action, **_):
        """A contract certificate: a bench CSMS has no mobility operator behind it, so it answers with
        its own marked copy of the request, which shows that the EV's EXI went through unchanged; a
        test that plays the mobility operator sets `contract_service`, which makes the real answer."""
        status, answer = self.csms.pki_status, f"{action}:{exi_request}"[:5600]
        if status == "Accepted" and self.csms.contract_service is not None:
            status, answer = await self.csms.contract_service(action, exi_request)
        return call_result.Get15118EVCertificate(status=status, exi_response=answer)

    @on("GetCertificateStatus")
    def on_certificate_status(self, ocsp_request_data, **_):
        if self.csms.pki_status != "Accepted":
            return call_result.GetCertificateStatus(status="Failed")
        return call_result.GetCertificateStatus(status="Accepted",
                                                ocsp_result=f"good:{ocsp_request_data['serial_number']}")

    @on("DataTransfer")
    def on_data_transfer(self, **_):
        return call_result.DataTransfer(status="Accepted")


class BenchCsms201(BenchCsms):
    subprotocol = "ocpp2.0.1"
    side = CsmsSide201

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transaction_tags: dict[str, dict] = {}  # id token -> IdTokenInfo of TransactionEvent answers only
        self.total_cost: float | None = None  # the running cost put in TransactionEvent answers (I02)
        self.pki_status = "Accepted"  # how it answers Get15118EVCertificate and GetCertificateStatus
        self.contract_service = None  # async (action, exi) -> (status, exi): a mobility operator's answer
        self.certificate_status = "Accepted"  # its AuthorizeResponse certificateStatus for a contract (C07)
        # NotifyEVChargingNeeds (K15): a bench CSMS has no schedule to work out, so it declines; a test
        # that plays a smart-charging CSMS sets Accepted and sends its TxProfile itself.
        self.needs_status = "Rejected"

    def token_info(self, id_token: str) -> dict:
        """IdTokenInfo: as set in `tags` (2.0.1 words, e.g. with a groupIdToken), else Accepted or Invalid."""
        if id_token in self.tags:
            return self.tags[id_token]
        refused = id_token in self.rejected_tags or not self.accept_unknown
        return {"status": "Invalid" if refused else "Accepted"}
