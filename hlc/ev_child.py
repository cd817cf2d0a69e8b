"""The bench's EV on the digital link (EVCC), in .venv-hlc:

    python -m hlc.ev_child --iface IFACE --battery FILE [--protocol ISO_15118_2|DIN_SPEC_70121|ISO_15118_20_DC]
    python -m hlc.ev_child --iface IFACE --battery FILE --ac-phases 1|3   (an AC car: hlc.ev_ac)

iso15118's EVCC speaks the protocol; this module is the car's brain: it asks for what its battery
wants. The battery itself is the bench's (hal.mock.dc.Battery, in the controller's process, charged
by the simulated DC bus); the bench writes its state to FILE ({"soc_pct", "voltage_v",
"max_voltage_v", "max_current_a", "wants_a", "capacity_wh", "stop_at_pct"}) and this EV reads it, as
a real car's battery management tells its charging controller.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import tempfile
from enum import Enum
from pathlib import Path

from iso15118.evcc import Config, EVCCHandler
from iso15118.evcc.controller.simulator import SimEVController
from iso15118.evcc.evcc_config import load_from_file
from iso15118.evcc.states import din_spec_states, iso15118_2_states, iso15118_20_states
from iso15118.evcc.states.evcc_state import StateEVCC
from iso15118.shared.messages.datatypes import (DCEVChargeParams, EVSENotification, PVEVEnergyCapacity,
                                                PVEVMaxCurrentLimit, PVEVMaxPowerLimit, PVEVMaxVoltageLimit,
                                                PVEVTargetCurrent, PVEVTargetVoltage)
from iso15118.shared.messages.din_spec.datatypes import DCEVStatus as DCEVStatusDIN
from iso15118.shared.messages.enums import ControlMode, DCEVErrorCode, Namespace
from iso15118.shared.messages.iso15118_2.body import PowerDeliveryReq
from iso15118.shared.messages.iso15118_2.datatypes import ChargeProgress, DCEVStatus

from hlc.ev_certificate_update import update_instead_of_installing
from hlc.ev_receipt import sign_receipts_in_the_current_demand_loop
from hlc.ev_v20 import BenchEv20, ask_for_the_meter, wait_longer_in_the_charge_loop
from hlc.exi_codec import CachedExiCodec
from hlc.physical import physical
from hlc.protocol import quiet_message_dumps

log = logging.getLogger("hlc.ev")

PRECHARGE_A = 2.0
PRECHARGED_WITHIN_V = 20.0
AC_LOOP_DELAY_S = 1  # between an AC car's ChargingStatusReqs (whole seconds in iso15118): a new limit within ~1 s
DEMAND_PAUSE_S = 0.05  # between its CurrentDemandReqs (a car paces its loop; the norm sets no minimum)
CABLE_SAFE_V = 60.0  # its welding detection ends, and its inlet unlocks, below this output (IEC 61851-23)
CURRENT_DEMAND_WAIT_S = 1.0  # the bench EV's patience for a CurrentDemandRes (wait_longer_in_the_current_demand_loop)


class BenchEV(BenchEv20, SimEVController):
    def __init__(self, evcc_config, battery_file: Path, control_mode: ControlMode = ControlMode.SCHEDULED,
                 demand_pause_s: float = DEMAND_PAUSE_S):
        """`control_mode`: under ISO 15118-20, the one it picks (hlc.ev_v20). `demand_pause_s`: between
        a CurrentDemandRes and its next request (0: at once, as benchmarks/dc_session.py measures the
        SECC's answer)."""
        super().__init__(evcc_config)
        self.battery_file, self.control_mode, self.demand_pause_s = battery_file, control_mode, demand_pause_s
        self.precharged = False
        self.cable_v: float | None = None  # the charger's output in its last welding detection answer
        self.chosen_profile = None  # the ChargingProfile it made of the charger's schedule
        self._last = {"soc_pct": 20.0, "voltage_v": 350.0, "max_voltage_v": 420.0, "max_current_a": 200.0,
                      "wants_a": 200.0, "capacity_wh": 60000.0, "stop_at_pct": 80.0}
        self.plugin = self.battery().get("plugins", 0)  # the plug-in this car's session belongs to
        self.closed = {"contactors_closed": False, "state": "B"}  # a car arrives in B, its contactors open
        self._tell_bench()
        self.renegotiations = int(self.battery().get("renegotiate") or 0)  # the bench's asks before this car came
        self.renegotiating = False

    async def charge_loop_delay(self) -> float:
        """iso15118 sleeps this long before each current-demand request (its simulator: whole seconds)."""
        return self.demand_pause_s

    def battery(self) -> dict:
        try:
            self._last.update(json.loads(self.battery_file.read_text()))
        except (OSError, ValueError):
            pass  # mid-write: the last state stands
        return self._last

    def _battery_soc(self) -> int:
        return int(self.battery()["soc_pct"])

    async def get_dc_charge_params(self) -> DCEVChargeParams:
        self.dc_ev_charge_params = self._params()
        return self.dc_ev_charge_params

    async def get_charge_params_v2(self, protocol):
        """ChargeParameterDiscovery: iso15118's simulator reads `dc_ev_charge_params` for the limits."""
        self.dc_ev_charge_params = self._params()
        return await super().get_charge_params_v2(protocol)

    def _targets(self) -> tuple[float, float]:
        """(volts, amps) it asks for: a small current at the battery's voltage until pre-charged."""
        b = self.battery()
        return (b["max_voltage_v"], b["wants_a"]) if self.precharged else (b["voltage_v"], PRECHARGE_A)

    def _params(self) -> DCEVChargeParams:
        b = self.battery()
        target_v, target_a = self._targets()
        return DCEVChargeParams(
            dc_max_current_limit=physical(PVEVMaxCurrentLimit, b["max_current_a"], "A"),
            dc_max_power_limit=physical(PVEVMaxPowerLimit, b["max_current_a"] * b["max_voltage_v"], "W"),
            dc_max_voltage_limit=physical(PVEVMaxVoltageLimit, b["max_voltage_v"], "V"),
            dc_energy_capacity=physical(PVEVEnergyCapacity, b["capacity_wh"], "Wh"),
            dc_target_current=physical(PVEVTargetCurrent, target_a, "A"),
            dc_target_voltage=physical(PVEVTargetVoltage, target_v, "V"))

    async def welding_detection_has_finished(self) -> bool:
        """Once the charger's output is below 60 V, not after iso15118's simulator's three rounds: the car
        then stops its session and unlocks its inlet, so the plug never leaves a live cable."""
        if self.cable_v is not None and self.cable_v < CABLE_SAFE_V:
            return True
        await asyncio.sleep(self.demand_pause_s)  # paced as its current demand loop
        return False

    async def is_precharged(self, present_voltage_evse) -> bool:
        if abs(present_voltage_evse.get_decimal_value() - self.battery()["voltage_v"]) <= PRECHARGED_WITHIN_V:
            self.precharged = True
            log.info("pre-charged: the output is within %.0f V of the battery", PRECHARGED_WITHIN_V)
            self.contactors(True)  # the car closes its own contactors before it asks for power
        return self.precharged

    def contactors(self, closed: bool) -> None:
        self.closed["contactors_closed"] = closed
        self._tell_bench()

    def s2(self, closed: bool) -> None:
        """The pilot's S2 switch: state C closed, B open (IEC 61851-1 Table A.3)."""
        state = "C" if closed else "B"
        if state != self.closed["state"]:
            log.info("the car switches its pilot to state %s", state)
            self.closed["state"] = state
            self._tell_bench()

    def _tell_bench(self) -> None:
        """Its contactors and its pilot switch are physical: the bench reads them from a file beside the
        battery's, marked with this car's plug-in (a file left by the last car is no longer true)."""
        part = self.battery_file.with_suffix(".ev.part")
        try:
            part.write_text(json.dumps({"plugin": self.plugin, **self.closed}))
            part.replace(self.battery_file.with_suffix(".ev.json"))
        except OSError as exc:
            log.warning("cannot tell the bench about the contactors and the pilot: %s", exc)

    async def continue_charging(self) -> bool:
        return not await self.is_charging_complete()

    async def ready_to_charge(self) -> bool:
        return True

    async def is_charging_complete(self) -> bool:
        b = self.battery()
        complete = b["soc_pct"] >= b["stop_at_pct"]
        if complete and self.precharged:
            self.contactors(False)
        return complete

    def _error(self) -> DCEVErrorCode:
        """The bench may set "error" in the battery file (a DCEVErrorCode value): the car reports it."""
        try:
            return DCEVErrorCode(self.battery().get("error") or "NO_ERROR")
        except ValueError:
            return DCEVErrorCode.NO_ERROR

    async def get_dc_ev_status(self) -> DCEVStatus:
        return DCEVStatus(ev_ready=True, ev_error_code=self._error(), ev_ress_soc=self._battery_soc())

    async def get_dc_ev_status_dinspec(self) -> DCEVStatusDIN:
        return DCEVStatusDIN(ev_ready=True, ev_error_code=self._error(), ev_ress_soc=self._battery_soc())

    def wants_renegotiation(self, asked_by_charger: bool) -> bool:
        """A new schedule round: the charger asked (EVSENotification ReNegotiation) or the bench did (its
        "renegotiate" count went up, as a driver changing the departure time would)."""
        count = int(self.battery().get("renegotiate") or 0)
        if asked_by_charger or count > self.renegotiations:
            self.renegotiations, self.renegotiating = max(count, self.renegotiations), True
            log.info("renegotiating the schedule (%s)", "the charger asked" if asked_by_charger else "the driver asked")
        return self.renegotiating

    async def process_sa_schedules_v2(self, sa_schedules):
        """iso15118's EV mirrors the offered schedule in its ChargingProfile; it is kept for the DC
        PowerDeliveryReq, where iso15118 leaves it out (see `send_profile_with_power_delivery`)."""
        progress, schedule_id, profile = await super().process_sa_schedules_v2(sa_schedules)
        self.chosen_profile = profile
        return progress, schedule_id, profile


def switch_s2_around_the_dc_sequence() -> None:
    """A DC car closes S2 (state C) before its cable check and opens it (B) once its power delivery stop
    is answered (DIN SPEC 70121, ISO 15118-2 and -20 DC sequences; IEC 61851-23 Annex CC): on every
    message the car sends, in all three protocols. Applied before the patches of single states, which
    wrap what they find."""
    base = StateEVCC.create_next_message

    def create_next_message(self, next_state, next_msg, *args, **kwargs):
        name = type(next_msg).__name__
        if name in ("CableCheckReq", "DCCableCheckReq"):
            self.comm_session.ev_controller.s2(True)
        elif name in ("WeldingDetectionReq", "DCWeldingDetectionReq", "SessionStopReq"):
            self.comm_session.ev_controller.s2(False)
        return base(self, next_state, next_msg, *args, **kwargs)

    StateEVCC.create_next_message = create_next_message


def watch_the_output_in_welding_detection() -> None:
    """Each WeldingDetectionRes's EVSEPresentVoltage (DIN SPEC 70121, ISO 15118-2; -20's
    DC_WeldingDetectionRes) kept on the car before iso15118 asks it whether it is done."""
    for state in (din_spec_states.WeldingDetection, iso15118_2_states.WeldingDetection,
                  iso15118_20_states.DCWeldingDetection):
        _keep_the_output_voltage(state)


def _keep_the_output_voltage(state) -> None:
    original = state.process_message

    async def process_message(self, message, message_exi=None):
        body = getattr(message, "body", None)
        answer = getattr(body, "welding_detection_res", None) if body is not None else message
        volts = getattr(answer, "evse_present_voltage", None)
        if volts is not None:
            self.comm_session.ev_controller.cable_v = volts.get_decimal_value()
        await original(self, message, message_exi)

    state.process_message = process_message


def send_profile_with_power_delivery() -> None:
    """A DC car's PowerDeliveryReq Start carries its ChargingProfile (ISO 15118-2 Table 40); iso15118's
    EV sends none on DC, so the bench EV adds the one it chose (the charger passes it to the CSMS,
    OCPP 2.0.1 NotifyEVChargingSchedule)."""
    state = iso15118_2_states.PreCharge
    original = state.create_next_message

    def create_next_message(self, next_state, next_msg, *args, **kwargs):
        profile = getattr(self.comm_session.ev_controller, "chosen_profile", None)
        if (isinstance(next_msg, PowerDeliveryReq) and next_msg.charge_progress == ChargeProgress.START
                and next_msg.charging_profile is None and profile is not None):
            next_msg = next_msg.copy(update={"charging_profile": profile})
        return original(self, next_state, next_msg, *args, **kwargs)

    state.create_next_message = create_next_message


def renegotiate_when_asked() -> None:
    """ISO 15118-2 renegotiation, which iso15118's EV never begins on DC: from its current demand loop the
    bench EV sends PowerDeliveryReq Renegotiate when `wants_renegotiation` says so, then (iso15118 does
    this part) a new ChargeParameterDiscoveryReq; once offered its new schedule it goes straight back to
    PowerDeliveryReq Start with its new ChargingProfile. iso15118 would run the cable check and pre-charge
    again, with the output live and its contactors closed; the norm's DC sequence goes from the
    discovery to the power delivery."""
    states = iso15118_2_states
    in_demand, in_discovery = states.CurrentDemand.process_message, states.ChargeParameterDiscovery.process_message

    async def current_demand(self, message, message_exi=None):
        await in_demand(self, message, message_exi)
        answer = getattr(getattr(message, "body", None), "current_demand_res", None)
        if answer is None or self.next_state is not states.CurrentDemand:  # stopping, or a bad answer
            return
        asked = answer.dc_evse_status.evse_notification == EVSENotification.RE_NEGOTIATION
        if self.comm_session.ev_controller.wants_renegotiation(asked):
            self.comm_session.renegotiation_requested = True  # iso15118's EV then sends the discovery
            self.create_next_message(states.PowerDelivery, PowerDeliveryReq(
                charge_progress=ChargeProgress.RENEGOTIATE, sa_schedule_tuple_id=self.comm_session.selected_schedule),
                states.Timeouts.POWER_DELIVERY_REQ, Namespace.ISO_V2_MSG_DEF)

    async def discovery(self, message, message_exi=None):
        await in_discovery(self, message, message_exi)
        ev = self.comm_session.ev_controller
        if self.next_state is states.CableCheck and ev.renegotiating:
            ev.renegotiating = False
            self.create_next_message(states.PowerDelivery, PowerDeliveryReq(
                charge_progress=ChargeProgress.START, sa_schedule_tuple_id=self.comm_session.selected_schedule,
                charging_profile=ev.chosen_profile,
                dc_ev_power_delivery_parameter=await ev.get_dc_ev_power_delivery_parameter()),
                states.Timeouts.POWER_DELIVERY_REQ, Namespace.ISO_V2_MSG_DEF)

    states.CurrentDemand.process_message = current_demand
    states.ChargeParameterDiscovery.process_message = discovery


def wait_longer_in_the_current_demand_loop() -> None:
    """The norm's EV gives up when a CurrentDemandRes takes more than 0.25 s (DIN SPEC 70121 and ISO
    15118-2 Table 109). The bench EV waits CURRENT_DEMAND_WAIT_S instead: on the bench both ends of the
    link, each with its JVM for the EXI codec, and the controller share the test machine's cores, and a
    busy moment there is not the SECC's fault. How long the SECC takes is measured, not hidden:
    benchmarks/dc_session.py reports the current-demand loop period (README)."""
    for module in (din_spec_states, iso15118_2_states):
        norm = module.Timeouts
        module.Timeouts = Enum(norm.__name__, {**{k: m.value for k, m in norm.__members__.items()},
                                               "CURRENT_DEMAND_REQ": CURRENT_DEMAND_WAIT_S}, type=float)


async def main(iface: str, battery_file: Path, protocol: str, pnc: bool = False, install: bool = False,
               ac_phases: int | None = None, control_mode: str = "scheduled",
               demand_pause_s: float = DEMAND_PAUSE_S, update: bool = False) -> None:
    os.environ["NETWORK_INTERFACE"] = iface  # iso15118 checks the interface while loading its settings
    config = Config()
    config.load_envs()
    mode = "DC_extended" if not ac_phases else "AC_three_phase_core" if ac_phases == 3 else "AC_single_phase_core"
    settings = {"supportedProtocols": [protocol], "supportedEnergyServices": ["AC" if ac_phases else "DC"],
                "energyTransferMode": mode, "isCertInstallNeeded": install or update, "useTls": pnc,
                "chargeLoopCycle": 100000, "chargeLoopDelay": AC_LOOP_DELAY_S if ac_phases else 0}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(settings, f)
    evcc_config = await load_from_file(f.name)
    if ac_phases:
        from hlc.ev_ac import BenchAcEV, drive_the_pilot_and_the_draw

        drive_the_pilot_and_the_draw()
        car = BenchAcEV(evcc_config, battery_file)
    else:
        switch_s2_around_the_dc_sequence()
        watch_the_output_in_welding_detection()
        send_profile_with_power_delivery()
        renegotiate_when_asked()
        wait_longer_in_the_current_demand_loop()
        wait_longer_in_the_charge_loop(CURRENT_DEMAND_WAIT_S)
        ask_for_the_meter()
        sign_receipts_in_the_current_demand_loop()  # last: the receipt goes before anything else
        car = BenchEV(evcc_config, battery_file, ControlMode[control_mode.upper()], demand_pause_s)
    if update:
        update_instead_of_installing()  # where iso15118's EV would install a contract
    codec = CachedExiCodec()
    codec.warm()
    await EVCCHandler(evcc_config=evcc_config, iface=iface, exi_codec=codec, ev_controller=car).start()


def run() -> None:
    parser = argparse.ArgumentParser(description="the bench EV's charging controller on the digital link")
    parser.add_argument("--iface", required=True)
    parser.add_argument("--battery", required=True, type=Path)
    parser.add_argument("--protocol", default="ISO_15118_2",
                        choices=["ISO_15118_2", "DIN_SPEC_70121", "ISO_15118_20_DC"])
    parser.add_argument("--pnc", action="store_true",
                        help="Plug & Charge: TLS, and the contract certificate in PKI_PATH (ISO 15118-2 only)")
    parser.add_argument("--update-contract", action="store_true",
                        help="with --pnc: have its contract renewed first (CertificateUpdateReq, ISO 15118-2 "
                             "8.4.3.10)")
    parser.add_argument("--install-contract", action="store_true",
                        help="with --pnc: ask for the contract first (CertificateInstallationReq, ISO 15118-2 8.4.3.11)")
    parser.add_argument("--ac-phases", type=int, choices=(1, 3), help="an AC car (ISO 15118-2) on this many phases")
    parser.add_argument("--control-mode", choices=("scheduled", "dynamic"), default="scheduled",
                        help="the control mode it picks under ISO 15118-20")
    parser.add_argument("--demand-pause", type=float, default=DEMAND_PAUSE_S,
                        help="seconds between a CurrentDemandRes and its next request (DC)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_message_dumps()
    asyncio.run(main(args.iface, args.battery, args.protocol, args.pnc, args.install_contract, args.ac_phases,
                     args.control_mode, args.demand_pause, args.update_contract))


if __name__ == "__main__":
    run()
