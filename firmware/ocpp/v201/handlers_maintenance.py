"""OCPP 2.0.1 maintenance requests: firmware (L01), logs (N01), customer information (N09, N10).

A mixin of ChargePoint201. The work is done by the version-neutral services
(firmware.ota.service, firmware.log_uploads, firmware.customer_data), the same
1.6 uses; their statuses go out through the outbox, so a restart cannot lose them.
"""

from __future__ import annotations

from ocpp.routing import after, on
from ocpp.v201 import call, call_result

from firmware.clock import iso

CUSTOMER_DATA_MAX = 512  # NotifyCustomerInformationRequest.data


class MaintenanceHandlers:
    @on("UpdateFirmware")
    def on_update_firmware(self, request_id, firmware, retries=None, retry_interval=None, **_):
        status = self.adapter.firmware.signed(request_id, firmware, retries, retry_interval)
        return call_result.UpdateFirmware(status=status)

    @on("GetLog")
    def on_get_log(self, log, log_type, request_id, retries=None, retry_interval=None, **_):
        status, filename = self.adapter.logs.request(log_type, request_id, log, retries, retry_interval)
        return call_result.GetLog(status=status, filename=filename)

    @on("CustomerInformation")
    def on_customer_information(self, request_id, report, clear, id_token=None, customer_identifier=None,
                                customer_certificate=None, **_):
        if not (id_token or customer_identifier or customer_certificate):
            return call_result.CustomerInformation(status="Invalid")  # N09: the request names whom it is about
        return call_result.CustomerInformation(status="Accepted")

    @after("CustomerInformation")
    async def after_customer_information(self, request_id, report, clear, id_token=None, **_):
        data = self.adapter.customer_data
        tag = (id_token or {}).get("id_token")  # no identifier or certificate of ours is kept but the token
        lines = data.report(tag) if tag is not None and report else []  # what there was, before clearing
        if tag is not None and clear:
            lines += ["cleared: " + line for line in data.clear(tag) if "removed" in line]
        if not report:
            return
        text = "\n".join(lines) or "no customer information stored"
        chunks = [text[i:i + CUSTOMER_DATA_MAX] for i in range(0, len(text), CUSTOMER_DATA_MAX)]
        for seq, chunk in enumerate(chunks):
            await self.call(call.NotifyCustomerInformation(data=chunk, seq_no=seq, request_id=request_id,
                                                           generated_at=iso(self.adapter.wall.now()),
                                                           tbc=seq < len(chunks) - 1))
