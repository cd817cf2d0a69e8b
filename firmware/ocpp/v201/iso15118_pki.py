"""What an ISO 15118 stack asks of the CSMS through OCPP 2.0.1, passed through unread:
contract certificates for the EV (M01 install, M02 update: Get15118EVCertificate carrying the
EV's EXI request and bringing back the EXI response) and OCSP answers for a certificate of a
chain (M06: GetCertificateStatus).

Both need the CSMS now: a contract certificate cannot wait in a queue while the EV waits on
the cable, so offline the answer is Failed at once. OCSP answers are kept for
OCSP_KEEP_S per certificate, so an EV plugged in while the link is down still gets the last
good one (ISO 15118-2 lets the charger present a recent, not a live, answer).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ocpp.v201 import call

log = logging.getLogger(__name__)

OCSP_KEEP_S = 7 * 86400
ACTIONS = ("Install", "Update")


class Iso15118Pki:
    def __init__(self, link: Callable[[], object | None], clock):
        """`link()`: the ChargePoint201 of an accepted connection, or None while there is none."""
        self.link = link
        self.clock = clock
        self.ocsp: dict[tuple, tuple[float, str]] = {}  # (issuer key hash, serial) -> (when, ocspResult)

    async def ev_certificate(self, schema_version: str, action: str, exi_request: str) -> tuple[str, str]:
        """(status, EXI response) of the CSMS for the EV's CertificateInstallation/UpdateReq."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}")
        cp = self.link()
        if cp is None:
            log.warning("an EV asked for a contract certificate (%s) while the CSMS is unreachable", action)
            return "Failed", ""
        try:
            answer = await cp.call(call.Get15118EVCertificate(iso15118_schema_version=schema_version, action=action,
                                                              exi_request=exi_request))
        except asyncio.TimeoutError:
            return "Failed", ""
        log.info("contract certificate %s for an EV: %s", action.lower(), answer.status)
        return answer.status, answer.exi_response

    async def certificate_status(self, request: dict) -> tuple[str, str | None]:
        """(status, ocspResult) for one certificate (OCSPRequestDataType in the library's snake_case)."""
        key = (request.get("issuer_key_hash"), request.get("serial_number"))
        cp = self.link()
        answer = None
        if cp is not None:
            try:
                answer = await cp.call(call.GetCertificateStatus(ocsp_request_data=request))
            except asyncio.TimeoutError:
                answer = None
        if answer is not None and answer.status == "Accepted" and answer.ocsp_result:
            self.ocsp[key] = (self.clock.monotonic(), answer.ocsp_result)
            return "Accepted", answer.ocsp_result
        kept = self.ocsp.get(key)
        if kept is not None and self.clock.monotonic() - kept[0] < OCSP_KEEP_S:
            return "Accepted", kept[1]
        return "Failed", None
