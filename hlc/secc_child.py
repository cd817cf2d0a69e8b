"""The charger's side of the EV link (SECC), run by the controller as a child process in .venv-hlc:

    python -m hlc.secc_child --socket PATH --iface IFACE [--ac-phases 1|3] [--iso15118-20]

(--ac-phases: an AC connector's SECC, hlc.secc_ac; without it, a DC connector's, which offers ISO
15118-20 DC too with --iso15118-20, hlc.secc_v20.)

iso15118's SECC does the protocol (SDP, EXI, DIN SPEC 70121, ISO 15118-2 and -20 DC states); this module
answers its questions about the charger from what the controller last sent, and tells the
controller what the EV said. It never decides about power: the controller's DC power path does, and
the answers here only report it (present voltage and current, the cable check, authorization).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from typing import Optional, Union

from iso15118.secc import SECCHandler
from iso15118.secc.controller.ev_data import EVDataContext
from iso15118.secc.controller.interface import AuthorizationResponse, ServiceStatus
from iso15118.secc.controller.simulator import SimEVSEController
from iso15118.secc.secc_settings import Config
from iso15118.shared.messages.datatypes import (DCEVSEStatus, DCEVSEStatusCode, EVSENotification,
                                                PVEVSEMaxCurrentLimit, PVEVSEMaxPowerLimit, PVEVSEMaxVoltageLimit)
from iso15118.shared.messages.din_spec.datatypes import ResponseCode as ResponseCodeDIN
from iso15118.shared.messages.enums import (AuthorizationStatus, AuthorizationTokenType, CpState, DCEVErrorCode,
                                           EnergyTransferModeEnum, IsolationLevel, Protocol)
from iso15118.shared.messages.iso15118_2.datatypes import ResponseCode as ResponseCodeV2
from iso15118.shared.messages.iso15118_20.common_types import ResponseCode as ResponseCodeV20

from hlc import protocol as p
from hlc.exi_codec import CachedExiCodec
from hlc.physical import physical
from hlc.sa_schedule import profile_entries, sa_schedules
from hlc.secc_v2_states import (answer_ongoing_without_schedules, report_power_deliveries,
                                return_from_renegotiation_to_power_delivery)
from hlc.secc_certificate_update import offer_certificate_updates
from hlc.secc_receipts import MeteringReceipts, ask_for_metering_receipts, pass_receipts_on
from hlc.secc_v20 import Iso15118_20Dc, offer_eim_only, offered_protocols, report_v20_power_deliveries

log = logging.getLogger("hlc.secc")

STAGE_OF_STATE = {"WeldingDetection": "welding", "DCWeldingDetection": "welding", "SessionStop": "ended"}
# IEC 61851-23 CC.5: the EVSE brings the current below 5 A and opens its contactors within about 1 s of
# the EV's stop; the controller's power path does it within 1 s (firmware.dc.norm.STOP_S), the rest is margin.
STOP_WAIT_S = 2.5
# The OK of each protocol's ResponseCode: iso15118 takes only its own protocol's as the authorization's.
RESPONSE_OK = {Protocol.DIN_SPEC_70121: ResponseCodeDIN.OK, Protocol.ISO_15118_2: ResponseCodeV2.OK,
               Protocol.ISO_15118_20_DC: ResponseCodeV20.OK}
# ISO 15118-2 Table 109: the EV waits 5 s for CertificateInstallationRes; the answer must leave before that.
CERTIFICATE_WAIT_S = 4.5


class Link:
    """The Unix socket to the controller: the latest EVSE message in, EV messages out."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.evse: dict = {"state": "off", "present_voltage_v": 0.0, "present_current_a": 0.0, "isolation": "none",
                           "authorized": False, "max_voltage_v": 500.0, "max_current_a": 0.0, "max_power_w": 0.0}
        self.ev: dict = {"stage": "none", "session": 0}
        self.asked: dict[int, asyncio.Future] = {}  # certificate requests waiting for the controller
        self.last_id = 0

    async def receive(self) -> None:
        while line := await self.reader.readline():
            try:
                message = p.decode(line)
            except p.BadLine as exc:
                log.warning("a line from the controller dropped: %s", exc)
                continue
            if message["type"] == "evse":
                self.evse.update({k: v for k, v in message.items() if k != "type"})
            elif message["type"] == "certificate_answer":
                waiting = self.asked.pop(message.get("id"), None)
                if waiting is not None and not waiting.done():
                    waiting.set_result((message.get("status"), message.get("exi")))
        raise ConnectionError("the controller closed the link")

    async def ask_certificate(self, action: str, schema: str, exi: str) -> tuple[str, str]:
        """The CSMS's answer to the EV's certificate request, through the controller; Failed when it
        does not come before the EV stops waiting (ISO 15118-2: 5 s for CertificateInstallationRes)."""
        ask_id = self.last_id = self.last_id + 1
        waiting = asyncio.get_running_loop().create_future()
        self.asked[ask_id] = waiting
        self.writer.write(p.encode("certificate", id=ask_id, action=action, schema=schema, exi=exi))
        await self.writer.drain()
        try:
            return await asyncio.wait_for(waiting, CERTIFICATE_WAIT_S)
        except asyncio.TimeoutError:
            return "Failed", ""
        finally:
            self.asked.pop(ask_id, None)  # its own: another request may have begun meanwhile

    async def heartbeat(self) -> None:
        """The link is alive; it says nothing of the EV, so it is not `fresh`."""
        while True:
            await self.send(fresh=False)
            await asyncio.sleep(p.HEARTBEAT_S)

    async def send_receipt(self, **receipt) -> None:
        """An EV's signed MeteringReceipt (hlc.secc_receipts), once."""
        self.writer.write(p.encode("receipt", **receipt))
        await self.writer.drain()

    async def send(self, fresh: bool = True, **changes) -> None:
        self.ev.update(changes)
        self.writer.write(p.encode("ev", **self.ev, fresh=fresh))
        await self.writer.drain()


class EVDataWithErrors(EVDataContext):
    """iso15118's SECC checks the EV's error code at CableCheck and PreCharge only; in the current
    demand loop it keeps SoC and targets but drops the error. This keeps it, for the controller."""

    ev_error: str | None = None

    def update_charge_loop_parameters(self, current_demand_req) -> None:
        super().update_charge_loop_parameters(current_demand_req)
        code = current_demand_req.dc_ev_status.ev_error_code
        self.ev_error = None if code == DCEVErrorCode.NO_ERROR else str(getattr(code, "value", code))


# What the pilot's state letter is with the 5 % PWM on (ISO 15118-3 / IEC 61851-1 Table A.3: x2).
CP_STATES = {"A": CpState.A2, "B": CpState.B2, "C": CpState.C2, "D": CpState.D2, "E": CpState.E, "F": CpState.F}


class BridgedEVSEController(MeteringReceipts, Iso15118_20Dc, SimEVSEController):
    def __init__(self, link: Link):
        super().__init__()
        self.link = link
        self.ev_data_context = EVDataWithErrors()
        self.forget_receipts()
        self.rounds = 0  # the EV's ChargeParameterDiscovery rounds in this EV session
        self.round_open = False  # answered Ongoing so far: the EV repeats the request in the same round

    async def get_15118_ev_certificate(self, base64_encoded_cert_installation_req: str, namespace: str) -> str:
        """The EV's CertificateInstallationReq goes to the CSMS unread (OCPP 2.0.1 M01); anything but an
        answer makes iso15118 tell the EV FAILED_NoCertificateAvailable."""
        return await self._ask_csms("Install", base64_encoded_cert_installation_req, namespace)

    async def update_15118_ev_certificate(self, base64_encoded_cert_update_req: str, namespace: str) -> str:
        """The EV's CertificateUpdateReq, the same way (M02; hlc.secc_certificate_update)."""
        return await self._ask_csms("Update", base64_encoded_cert_update_req, namespace)

    async def _ask_csms(self, action: str, exi_request: str, namespace: str) -> str:
        status, exi = await self.link.ask_certificate(action, namespace, exi_request)
        log.info("contract certificate for the EV (%s): the CSMS answered %s", action, status)
        if status != "Accepted" or not isinstance(exi, str) or not exi:
            raise LookupError(f"no contract certificate for the EV: the CSMS answered {status}")
        return exi

    async def get_supported_energy_transfer_modes(self, protocol) -> list:
        """A DC connector offers DC only (iso15118's simulator adds AC three-phase beside it)."""
        return [EnergyTransferModeEnum.DC_EXTENDED]

    def reset_ev_data_context(self) -> None:
        self.ev_data_context = EVDataWithErrors()
        self.rounds, self.round_open = 0, False

    async def _tell(self, **changes) -> None:
        limits = self.ev_data_context.rated_limits.dc_limits
        await self.link.send(protocol=str(getattr(self.get_selected_protocol(), "name", "")),
                             max_voltage_v=limits.max_voltage, max_current_a=limits.max_charge_current,
                             soc_pct=self.ev_data_context.present_soc,
                             control_mode=self.v20_control.name.lower() if self._v20() else None, **changes)

    # ---- what the EV does -------------------------------------------------------------------
    async def set_present_protocol_state(self, state) -> None:
        name = type(state).__name__
        if name == "SupportedAppProtocol":  # a new EV session begins: nothing of the last one holds
            self.reset_ev_data_context()
            self.forget_v20()
            self.forget_receipts()
            self.link.ev = {"stage": "none", "session": self.link.ev.get("session", 0) + 1}
            await self.link.send()
            return
        stage = STAGE_OF_STATE.get(name)
        if stage:
            await self._tell(stage=stage)

    async def start_cable_check(self) -> None:
        await self._tell(stage="cable_check")

    async def send_charging_command(self, ev_target_voltage: Optional[float], ev_target_current: Optional[float],
                                    is_precharge: bool = False, is_session_bpt: bool = False) -> None:
        """Pre-charge or the charge loop; under -20's Dynamic control iso15118 passes no targets, and the
        charger's own (hlc.secc_v20) go to the controller in their place."""
        stage = "precharge" if is_precharge else "current_demand"
        if ev_target_voltage is None and ev_target_current is None and not is_precharge:
            ev_target_voltage, ev_target_current = self.dynamic_targets()
        await self._tell(stage=stage, target_voltage_v=ev_target_voltage or 0.0,
                         target_current_a=ev_target_current or 0.0, cycle=self.link.ev.get("cycle", 0) + 1,
                         error=getattr(self.ev_data_context, "ev_error", None))

    async def set_hlc_charging(self, is_ongoing: bool) -> None:
        await self._tell(stage="power_on" if is_ongoing else "power_off")

    async def stop_charger(self) -> None:
        """PowerDelivery Stop: the controller ramps the current down and opens the DC contactors; iso15118
        asks `is_contactor_opened` right after this, so it returns once they are (at most STOP_WAIT_S)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_WAIT_S
        while not await self.is_contactor_opened() and loop.time() < deadline:
            await asyncio.sleep(0.02)

    async def session_ended(self, current_state: str, reason: str) -> None:
        await self._tell(stage="ended", error=None if "Normal" in reason or not reason else reason[:200])

    async def renegotiating(self) -> None:
        """PowerDeliveryReq Renegotiate: the EV's next ChargeParameterDiscovery opens a new round; the
        power stays on meanwhile."""
        log.info("the EV renegotiates its schedule (after round %s)", self.rounds)
        await self._tell(stage="renegotiate")

    async def ev_profile(self, profile) -> None:
        """The ChargingProfile of the EV's PowerDeliveryReq Start (iso15118 keeps it to itself)."""
        await self._tell(ev_profile={"round": self.rounds, "entries": profile_entries(profile)})

    # ---- what the charger answers -----------------------------------------------------------
    async def get_sa_schedule_list(self, ev_data_context, is_free_charging_service, max_schedule_entries,
                                   departure_time=0):
        """Ongoing until the controller offers the schedule for this round (OCPP K15: the CSMS may
        first send a TxProfile), then one SAScheduleTuple of it. Ongoing is an empty list (iso15118
        wraps the answer in an SAScheduleList, which refuses None; `answer_ongoing_without_schedules`
        takes the empty list out of the response)."""
        offer = await self._ask_round(departure_time)
        if offer is None:
            return []
        return sa_schedules(offer["periods"], departure_time, max_schedule_entries)

    async def get_sa_schedule_list_dinspec(self, max_schedule_entries, departure_time=0):
        """DIN SPEC 70121: the round is reported (the CSMS hears the EV's needs) but answered at once with
        iso15118's own schedule: DIN's PMax has no unit we could fill in with confidence."""
        await self._ask_round(departure_time)
        self.round_open = False
        return await super().get_sa_schedule_list_dinspec(max_schedule_entries, departure_time)

    async def _ask_round(self, departure_time: int):
        if not self.round_open:
            self.rounds, self.round_open = self.rounds + 1, True
        energy = self.ev_data_context.target_energy_request  # EVEnergyRequest, Wh
        await self._tell(schedule_round=self.rounds, departure_s=departure_time or None,
                         energy_request_wh=None if energy is None else float(energy))
        offer = self.link.evse.get("schedule")
        if not isinstance(offer, dict) or offer.get("round") != self.rounds:
            return None
        self.round_open = False
        return offer

    async def is_authorized(self, id_token=None, id_token_type=None, certificate_chain=None,
                            hash_data=None) -> AuthorizationResponse:
        """External identification: Ongoing until the controller says the session may charge. Plug &
        Charge: the contract goes to the controller (its CSMS decides), Rejected if it says so."""
        code = RESPONSE_OK.get(self.get_selected_protocol(), ResponseCodeV2.OK)
        if id_token_type == AuthorizationTokenType.EMAID and certificate_chain:
            await self._tell(contract={"emaid": str(id_token), "certificate": certificate_chain.decode()})
        if id_token_type == AuthorizationTokenType.EMAID and self.link.evse.get("contract") == "rejected":
            return AuthorizationResponse(authorization_status=AuthorizationStatus.REJECTED,
                                         certificate_response_status=ResponseCodeV2.FAILED)
        ok = bool(self.link.evse.get("authorized"))
        return AuthorizationResponse(authorization_status=AuthorizationStatus.ACCEPTED if ok else
                                     AuthorizationStatus.ONGOING, certificate_response_status=code)

    async def get_cp_state(self) -> CpState:
        """The pilot as the controller measured it (iso15118 checks for C at PowerDeliveryReq Start)."""
        return CP_STATES.get(self.link.evse.get("cp"), CpState.UNKNOWN)

    async def is_contactor_closed(self) -> Optional[bool]:
        return True if self.link.evse["state"] in ("cable_check", "cable_ok", "precharge", "charging") else None

    async def is_contactor_opened(self) -> bool:
        return self.link.evse["state"] in ("off", "done", "fault", "welding_check")

    async def get_cable_check_status(self) -> Union[IsolationLevel, None]:
        state = self.link.evse["state"]
        if state in ("cable_ok", "precharge", "charging"):
            return IsolationLevel.VALID
        if state == "fault":
            return IsolationLevel.FAULT
        return None  # still checking: iso15118 answers EVSEProcessing Ongoing (INVALID would end the session)

    async def get_dc_evse_status(self) -> DCEVSEStatus:
        state, isolation = self.link.evse["state"], self.link.evse.get("isolation", "none")
        code = {"fault": DCEVSEStatusCode.EVSE_EMERGENCY_SHUTDOWN, "stopping": DCEVSEStatusCode.EVSE_SHUTDOWN}.get(
            state, DCEVSEStatusCode.EVSE_READY)
        stop = bool(self.link.evse.get("stop"))  # the driver or the CSMS ended the session: the EV is to stop
        if stop and code == DCEVSEStatusCode.EVSE_READY:
            code = DCEVSEStatusCode.EVSE_SHUTDOWN
        level = {"valid": IsolationLevel.VALID, "fault": IsolationLevel.FAULT,
                 "invalid": IsolationLevel.INVALID}.get(isolation, IsolationLevel.INVALID)
        notification = EVSENotification.STOP_CHARGING if stop else (
            EVSENotification.RE_NEGOTIATION if self._renegotiation_asked() else EVSENotification.NONE)
        return DCEVSEStatus(evse_notification=notification, notification_max_delay=0,
                            evse_isolation_status=level, evse_status_code=code)

    def _renegotiation_asked(self) -> bool:
        """The controller asked the EV of this round for a new one, and the EV is in its current demand
        loop, where ISO 15118-2 lets it answer with PowerDeliveryReq Renegotiate (DIN SPEC 70121 cannot)."""
        return (self.get_selected_protocol() == Protocol.ISO_15118_2 and self.rounds > 0
                and self.link.evse.get("renegotiate") == self.rounds and self.link.ev.get("stage") == "current_demand")

    async def get_evse_present_voltage(self, protocol):
        self.evse_data_context.present_voltage = int(round(self.link.evse.get("present_voltage_v", 0.0)))
        return await super().get_evse_present_voltage(protocol)

    async def get_evse_present_current(self, protocol):
        self.evse_data_context.present_current = int(round(self.link.evse.get("present_current_a", 0.0)))
        return await super().get_evse_present_current(protocol)

    async def get_evse_max_voltage_limit(self) -> PVEVSEMaxVoltageLimit:
        return physical(PVEVSEMaxVoltageLimit, self.link.evse.get("max_voltage_v", 0.0), "V")

    async def get_evse_max_current_limit(self) -> PVEVSEMaxCurrentLimit:
        return physical(PVEVSEMaxCurrentLimit, self.link.evse.get("max_current_a", 0.0), "A")

    async def get_evse_max_power_limit(self) -> PVEVSEMaxPowerLimit:
        return physical(PVEVSEMaxPowerLimit, self.link.evse.get("max_power_w", 0.0), "W")


async def main(socket_path: str, iface: str, ac_phases: int | None = None, iso15118_20: bool = False) -> None:
    reader, writer = await asyncio.open_unix_connection(socket_path, limit=p.MAX_LINE)
    link = Link(reader, writer)
    os.environ["NETWORK_INTERFACE"] = iface  # iso15118 reads the interface while loading its settings
    if os.environ.get(p.SECC_PKI_ENV):
        os.environ["PKI_PATH"] = os.environ[p.SECC_PKI_ENV]  # the certificate the CSMS issued for this SECC
    config = Config()
    config.load_envs()
    config.iface = iface
    config.use_cpo_backend = True  # an EV's certificate request goes to the CSMS, through the controller
    config.supported_protocols = offered_protocols(bool(ac_phases), iso15118_20)
    report_power_deliveries()
    report_v20_power_deliveries()
    offer_eim_only()
    return_from_renegotiation_to_power_delivery()
    answer_ongoing_without_schedules()
    ask_for_metering_receipts()
    pass_receipts_on()
    offer_certificate_updates()
    if ac_phases:
        from hlc.secc_ac import BridgedAcController

        controller = BridgedAcController(link, ac_phases)
    else:
        controller = BridgedEVSEController(link)
    await controller.set_status(ServiceStatus.STARTING)
    codec = CachedExiCodec()
    codec.warm()  # in the JVM's own thread: ready before the first EV's SupportedAppProtocolReq
    secc = SECCHandler(exi_codec=codec, evse_controller=controller, config=config)
    await asyncio.gather(link.receive(), link.heartbeat(), secc.start(iface))


def run() -> None:
    parser = argparse.ArgumentParser(description="the SECC of one connector, bridged to the controller")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--iface", required=True)
    parser.add_argument("--ac-phases", type=int, choices=(1, 3), help="an AC connector's SECC, on this many phases")
    parser.add_argument("--iso15118-20", action="store_true", help="a DC connector's SECC offers ISO 15118-20 DC too")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    p.quiet_message_dumps()
    try:
        asyncio.run(main(args.socket, args.iface, args.ac_phases, args.iso15118_20))
    except (ConnectionError, OSError) as exc:  # the controller went away: it starts us again
        log.error("the link to the controller is gone (%s); ending", exc)
        raise SystemExit(1) from None


if __name__ == "__main__":
    run()
