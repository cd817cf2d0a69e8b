"""The bench DC car's MeteringReceipt (ISO 15118-2 8.4.3.13): iso15118's EV signs one when a
ChargingStatusRes (AC) asks, but reads nothing of ReceiptRequired in a CurrentDemandRes (DC), and the
SECC then waits for a MeteringReceiptReq that never comes. Under Plug & Charge the bench car signs
the MeterInfo it was told with its contract key, as the AC car does; iso15118's MeteringReceipt state
then goes back to the current demand loop, or to the stop the charger's answer asks for."""

from __future__ import annotations

from iso15118.evcc.states import iso15118_2_states
from iso15118.shared.exceptions import PrivateKeyReadError
from iso15118.shared.exi_codec import EXI
from iso15118.shared.messages.enums import Namespace
from iso15118.shared.messages.iso15118_2.body import MeteringReceiptReq
from iso15118.shared.security import create_signature
from iso15118.shared.states import Terminate

from hlc.ev_certificate_update import contract_key


def sign_receipts_in_the_current_demand_loop() -> None:
    """Applied after every other patch of the current demand state: the receipt goes before anything
    else the car would send next."""
    states = iso15118_2_states
    original = states.CurrentDemand.process_message

    async def process_message(self, message, message_exi=None):
        await original(self, message, message_exi)
        answer = getattr(getattr(message, "body", None), "current_demand_res", None)
        if answer is None or not answer.receipt_required or self.next_state is Terminate:
            return
        if not self.comm_session.is_tls or answer.meter_info is None:
            self.stop_state_machine("the charger asked for a metering receipt outside Plug & Charge")
            return
        request = MeteringReceiptReq(id="id1", session_id=self.comm_session.session_id,
                                     sa_schedule_tuple_id=answer.sa_schedule_tuple_id, meter_info=answer.meter_info)
        try:
            key = contract_key()
        except PrivateKeyReadError as exc:
            self.stop_state_machine(f"no contract key to sign the metering receipt with: {exc}")
            return
        signature = create_signature([(request.id, EXI().to_exi(request, Namespace.ISO_V2_MSG_DEF))], key)
        self.create_next_message(states.MeteringReceipt, request, states.Timeouts.METERING_RECEIPT_REQ,
                                 Namespace.ISO_V2_MSG_DEF, signature=signature)

    states.CurrentDemand.process_message = process_message
