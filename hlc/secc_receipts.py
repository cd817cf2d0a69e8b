"""ISO 15118-2 MeteringReceipt (8.4.3.13): a Plug & Charge EV signs, with its contract key, the meter
reading the charger told it. The signed request is the driver's own acknowledgement of what was
measured, kept with the session as billing evidence beside the meter's own record.

iso15118 has both halves (its MeteringReceipt state checks the EV's signature against the contract
chain of the PaymentDetailsReq and that the reading is the one sent) but never asks: it answers every
ChargingStatusRes and CurrentDemandRes with ReceiptRequired false. `ask_for_metering_receipts` puts
MeterInfo and ReceiptRequired in those answers when the controller's `receipt_s` says one is due;
`pass_receipts_on` hands each receipt the SECC accepted to the controller, the EV's whole message as
it came (EXI) with the contract's leaf certificate, so that anyone with an ISO 15118-2 decoder can
check it again later (hlc.receipt_check).

Only a Plug & Charge session is asked: the request must be signed with the contract's private key, so
an EV identified externally has nothing to sign with (Vector's SCC library documents MeteringReceipt
as Plug & Charge's, and iso15118's own EV answers one only over TLS). The receipts come every
`receipt_s` seconds of charging and once more with the charger's stop notice, which the EV reads in
the MeteringReceiptRes that follows.
"""

from __future__ import annotations

import base64
import time

from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import load_der_x509_certificate
from iso15118.secc.states import iso15118_2_states
from iso15118.shared.messages.enums import AuthEnum
from iso15118.shared.messages.iso15118_2.body import ChargingStatusRes, CurrentDemandRes
from iso15118.shared.messages.iso15118_2.datatypes import MeterInfo
from iso15118.shared.states import Terminate

MAX_METER_WH = 999_999_999  # ISO 15118-2 MeterReading's bound (iso15118's MeterInfo)


class ReceiptClock:
    """When this EV session's next receipt is due: `every_s` after charging began or after the last
    one, and one with the stop notice."""

    def __init__(self) -> None:
        self.since: float | None = None  # the first charge-loop answer, then the last receipt asked
        self.stop_asked = False

    def due(self, now: float, every_s: float, stop: bool) -> bool:
        if every_s <= 0:
            return False
        if stop:
            return not self.stop_asked
        if self.since is None:
            self.since = now
        return now - self.since >= every_s

    def asked(self, now: float, stop: bool) -> None:
        self.since = now
        self.stop_asked = self.stop_asked or stop


class MeteringReceipts:
    """Mixed into the bridged SECC controller (hlc.secc_child), which has the link."""

    receipts: ReceiptClock

    def forget_receipts(self) -> None:
        """A new EV session asks its own receipts."""
        self.receipts = ReceiptClock()

    def receipt_due(self, comm_session) -> MeterInfo | None:
        """The MeterInfo to ask a receipt of now, or None: not Plug & Charge, no fresh reading, not due. A
        register still at 0 Wh (a new meter) is not asked about: iso15118's MeteringReceipt state takes a
        MeterReading of 0 for none and ends the session."""
        evse = self.link.evse
        every_s, meter_wh = evse.get("receipt_s"), evse.get("meter_wh")
        if comm_session.selected_auth_option != AuthEnum.PNC_V2 or comm_session.contract_cert_chain is None:
            return None
        if not isinstance(every_s, (int, float)) or not isinstance(meter_wh, (int, float)) or int(meter_wh) < 1:
            return None
        now, stop = time.monotonic(), bool(evse.get("stop"))
        if not self.receipts.due(now, float(every_s), stop):
            return None
        self.receipts.asked(now, stop)
        return MeterInfo(meter_id=str(evse.get("meter_id") or "meter")[:32],
                         meter_reading=min(MAX_METER_WH, max(0, int(meter_wh))), t_meter=int(time.time()))

    async def receipt_signed(self, request, message_exi: bytes, comm_session) -> None:
        """An EV's receipt the SECC verified: to the controller, as the EV sent it."""
        leaf = load_der_x509_certificate(comm_session.contract_cert_chain.certificate)
        info = request.meter_info
        await self.link.send_receipt(meter_wh=info.meter_reading, meter_id=info.meter_id, t_meter=info.t_meter,
                                     exi=base64.b64encode(message_exi).decode(),
                                     certificate=leaf.public_bytes(Encoding.PEM).decode())


def ask_for_metering_receipts() -> None:
    """ReceiptRequired with the MeterInfo in a ChargingStatusRes (AC) or CurrentDemandRes (DC) when one is
    due; the EV's next request is then its MeteringReceiptReq (iso15118's MeteringReceipt state)."""
    for state, answer in ((iso15118_2_states.ChargingStatus, ChargingStatusRes),
                          (iso15118_2_states.CurrentDemand, CurrentDemandRes)):
        _ask_in(state, answer)


def _ask_in(state, answer) -> None:
    original = state.create_next_message

    def create_next_message(self, next_state, next_msg, *args, **kwargs):
        if isinstance(next_msg, answer) and next_state in (None, state):
            info = self.comm_session.evse_controller.receipt_due(self.comm_session)
            if info is not None:
                next_msg = next_msg.copy(update={"meter_info": info, "receipt_required": True})
                self.comm_session.sent_meter_info = info
                next_state = iso15118_2_states.MeteringReceipt
        return original(self, next_state, next_msg, *args, **kwargs)

    state.create_next_message = create_next_message


def pass_receipts_on() -> None:
    """After iso15118 accepted an EV's MeteringReceiptReq (a bad signature or reading ends the session
    with FAILED_MeteringSignatureNotValid instead), the receipt goes to the controller."""
    state = iso15118_2_states.MeteringReceipt
    original = state.process_message

    async def process_message(self, message, message_exi=None):
        await original(self, message, message_exi)
        request = getattr(getattr(message, "body", None), "metering_receipt_req", None)
        if request is None or self.next_state is Terminate or message_exi is None:
            return
        await self.comm_session.evse_controller.receipt_signed(request, message_exi, self.comm_session)

    state.process_message = process_message
