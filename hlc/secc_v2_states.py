"""Where iso15118's ISO 15118-2 SECC states are adjusted (in .venv-hlc), each for a reason its docstring
gives: an answer the schema forbids, a DC renegotiation's way back to the power delivery, the EV's
ChargingProfile and renegotiation passed on to the controller. Applied once, before the SECC starts
(hlc.secc_child.main)."""

from __future__ import annotations

from iso15118.secc.states import iso15118_2_states
from iso15118.shared.messages.iso15118_2.body import ChargeParameterDiscoveryRes
from iso15118.shared.messages.iso15118_2.datatypes import ChargeProgress
from iso15118.shared.states import Terminate


def answer_ongoing_without_schedules() -> None:
    """iso15118 puts an SAScheduleList in every ChargeParameterDiscoveryRes, an empty one with
    EVSEProcessing Ongoing, which the schema forbids (at least one SAScheduleTuple) and the EV's EXI
    decoder refuses: an Ongoing answer goes without it, as ISO 15118-2 has it."""
    state = iso15118_2_states.ChargeParameterDiscovery
    original = state.create_next_message

    def create_next_message(self, next_state, next_msg, *args, **kwargs):
        schedules = getattr(next_msg, "sa_schedule_list", None)
        if isinstance(next_msg, ChargeParameterDiscoveryRes) and schedules and not schedules.schedule_tuples:
            next_msg = next_msg.copy(update={"sa_schedule_list": None})
        return original(self, next_state, next_msg, *args, **kwargs)

    state.create_next_message = create_next_message


def return_from_renegotiation_to_power_delivery() -> None:
    """After a renegotiation's ChargeParameterDiscovery a DC EV goes back to PowerDeliveryReq Start, its
    contactors closed and the output live; iso15118's SECC would wait for a second cable check. The
    discovery state stays on instead: it takes the PowerDeliveryReq, or the CableCheckReq of an EV that
    checks again (iso15118's own does; the power path keeps the output on for it)."""
    state = iso15118_2_states.ChargeParameterDiscovery
    original = state.create_next_message

    def create_next_message(self, next_state, next_msg, *args, **kwargs):
        if next_state is iso15118_2_states.CableCheck and self.comm_session.charge_progress_started:
            next_state = None
        return original(self, next_state, next_msg, *args, **kwargs)

    state.create_next_message = create_next_message


def report_power_deliveries() -> None:
    """iso15118's PowerDelivery state checks the EV's ChargingProfile and keeps it; this passes it on
    to the controller too (OCPP 2.0.1 NotifyEVChargingSchedule) once the request was accepted, and
    tells it of a renegotiation the EV begins (iso15118 calls nothing of the controller for one)."""
    original = iso15118_2_states.PowerDelivery.process_message

    async def process_message(self, message, message_exi=None):
        await original(self, message, message_exi)
        request = getattr(getattr(message, "body", None), "power_delivery_req", None)
        if request is None or self.next_state in (None, Terminate):
            return
        controller = self.comm_session.evse_controller
        if request.charging_profile is not None and request.charge_progress == ChargeProgress.START:
            await controller.ev_profile(request.charging_profile)
        elif request.charge_progress == ChargeProgress.RENEGOTIATE:
            await controller.renegotiating()

    iso15118_2_states.PowerDelivery.process_message = process_message
