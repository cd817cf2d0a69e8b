"""The bench's ISO 15118-2 AC car (hlc/ev_child.py --ac, in .venv-hlc): iso15118's EVCC speaks the
protocol; this is the car's charging controller, which decides the physical things and writes them
for the bench (hal.mock.ac_hlc_bench) to put on the wire:

- its pilot state: B until it sends PowerDeliveryReq Start, then C (ISO 15118-2 [V2G2-847]: within
  250 ms of that request), B again before its PowerDeliveryReq Stop;
- its draw per phase: the charger's EVSEMaxCurrent from the last ChargeParameterDiscoveryRes or
  ChargingStatusRes, within its own limit (what the bench API's max_current_a says).

It charges while the bench says the driver wants to (the bench's EV state C; B: it stops and ends its
session), and renegotiates when the charger asks (iso15118's own AC loop does) or the bench does.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from iso15118.evcc.controller.interface import ChargeParamsV2
from iso15118.evcc.controller.simulator import SimEVController
from iso15118.evcc.states import iso15118_2_states
from iso15118.shared.messages.datatypes import PVEAmount, PVEVMaxCurrent, PVEVMaxVoltage, PVEVMinCurrent
from iso15118.shared.messages.enums import Namespace
from iso15118.shared.messages.iso15118_2.body import PowerDeliveryReq
from iso15118.shared.messages.iso15118_2.datatypes import ACEVChargeParameter, ChargeProgress

from hlc.physical import physical

log = logging.getLogger("hlc.ev")

ENERGY_REQUEST_WH = 20000.0  # EAmount: what the bench car asks for
MAX_VOLTAGE_V = 400.0
MIN_CURRENT_A = 6.0  # IEC 61851-1's lowest offer


class BenchAcEV(SimEVController):
    def __init__(self, evcc_config, plug_file: Path):
        super().__init__(evcc_config)
        self.plug_file = plug_file
        self.ev_file = plug_file.with_suffix(".ev.json")
        self._last = {"plugged": True, "plugins": 0, "wants_charge": True, "max_current_a": 32.0, "renegotiate": 0}
        self.plugin = self.plug().get("plugins", 0)  # the plug-in this car's session belongs to
        self.renegotiations = int(self.plug().get("renegotiate") or 0)  # the bench's asks before this car came
        self.limit_a = 0.0  # the charger's EVSEMaxCurrent, last heard
        self.on = False  # between its PowerDeliveryReq Start and Stop
        self.show()

    def plug(self) -> dict:
        try:
            self._last.update(json.loads(self.plug_file.read_text()))
        except (OSError, ValueError, TypeError):
            pass  # mid-write: the last state stands
        return self._last

    def own_max_a(self) -> float:
        return float(self.plug().get("max_current_a") or 0.0)

    def show(self) -> None:
        """The pilot state and the draw, for the bench to put on the wire."""
        state, draw = ("C", min(self.limit_a, self.own_max_a())) if self.on else ("B", 0.0)
        part = self.ev_file.with_suffix(".part")
        try:
            part.write_text(json.dumps({"plugin": self.plugin, "state": state, "draw_a": draw}))
            part.replace(self.ev_file)
        except OSError as exc:
            log.warning("cannot tell the bench the car's state: %s", exc)

    def follow(self, evse_max_current) -> None:
        if evse_max_current is None:
            return
        amps = evse_max_current.value * 10 ** evse_max_current.multiplier
        if amps != self.limit_a:
            log.info("the charger allows %.1f A per phase", amps)
            self.limit_a = amps
            self.show()

    def power(self, on: bool) -> None:
        self.on = on
        self.show()

    async def get_charge_params_v2(self, protocol) -> ChargeParamsV2:
        ac = ACEVChargeParameter(
            departure_time=0, e_amount=physical(PVEAmount, ENERGY_REQUEST_WH, "Wh"),
            ev_max_voltage=physical(PVEVMaxVoltage, MAX_VOLTAGE_V, "V"),
            ev_max_current=physical(PVEVMaxCurrent, self.own_max_a(), "A"),
            ev_min_current=physical(PVEVMinCurrent, MIN_CURRENT_A, "A"))
        return ChargeParamsV2(await self.get_energy_transfer_mode(protocol), ac, None)

    async def continue_charging(self) -> bool:
        state = self.plug()
        return bool(state.get("plugged")) and bool(state.get("wants_charge"))

    async def is_charging_complete(self) -> bool:
        return not await self.continue_charging()

    async def ready_to_charge(self) -> bool:
        return True

    def wants_renegotiation(self) -> bool:
        count = int(self.plug().get("renegotiate") or 0)
        if count > self.renegotiations:
            self.renegotiations = count
            log.info("renegotiating the schedule (the driver asked)")
            return True
        return False


def drive_the_pilot_and_the_draw() -> None:
    """The car's hardware around iso15118's AC states: state C with PowerDeliveryReq Start, B before Stop,
    the draw following EVSEMaxCurrent; and a renegotiation when the bench asks for one."""
    states = iso15118_2_states

    def sending(state_class) -> None:
        original = state_class.create_next_message

        def create_next_message(self, next_state, next_msg, *args, **kwargs):
            if isinstance(next_msg, PowerDeliveryReq) and next_msg.charge_progress != ChargeProgress.RENEGOTIATE:
                self.comm_session.ev_controller.power(next_msg.charge_progress == ChargeProgress.START)
            return original(self, next_state, next_msg, *args, **kwargs)

        state_class.create_next_message = create_next_message

    for state_class in (states.ChargeParameterDiscovery, states.ChargingStatus):
        sending(state_class)
    in_discovery, in_status = states.ChargeParameterDiscovery.process_message, states.ChargingStatus.process_message

    async def discovery(self, message, message_exi=None):
        answer = getattr(getattr(message, "body", None), "charge_parameter_discovery_res", None)
        if answer is not None and answer.ac_charge_parameter is not None:
            self.comm_session.ev_controller.follow(answer.ac_charge_parameter.evse_max_current)
        await in_discovery(self, message, message_exi)

    async def charging_status(self, message, message_exi=None):
        answer = getattr(getattr(message, "body", None), "charging_status_res", None)
        ev = self.comm_session.ev_controller
        if answer is not None:
            ev.follow(answer.evse_max_current)
        await in_status(self, message, message_exi)
        if answer is not None and self.next_state is states.ChargingStatus and ev.wants_renegotiation():
            self.comm_session.renegotiation_requested = True
            self.create_next_message(states.PowerDelivery, PowerDeliveryReq(
                charge_progress=ChargeProgress.RENEGOTIATE, sa_schedule_tuple_id=self.comm_session.selected_schedule),
                states.Timeouts.POWER_DELIVERY_REQ, Namespace.ISO_V2_MSG_DEF)

    states.ChargeParameterDiscovery.process_message = discovery
    states.ChargingStatus.process_message = charging_status
