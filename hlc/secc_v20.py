"""ISO 15118-20 DC in the SECC (in .venv-hlc): the -20 answers of the same bridge to the controller
(hlc.secc_child), offered when the board's connector says so ([connectors.dc] iso15118_20).

What -20 changes against ISO 15118-2 on the charger's side, and what stays:
- the EV picks one energy service (DC, service 2) and a control mode, both offered. Scheduled: the EV
  sends its target voltage and current in every DC_ChargeLoopReq, which the power path follows as it
  does -2's CurrentDemandReq. Dynamic: the EV sends its limits only and the charger decides; the
  power path is then given the EV's maximum voltage as its voltage limit and, as its current, the
  least of the EV's maximum current and its maximum power at its present voltage (the path adds
  every limit of the model, as for any target);
- its mobility needs come in ScheduleExchangeReq, answered EVSEProcessing Ongoing until the controller
  offers the schedule of that round (OCPP 2.0.1 K15), as -2's ChargeParameterDiscovery is;
- authorization is External Identification only: -20's Plug & Charge needs TLS 1.3 with -20's own
  certificate profiles, which the SECC does not have; the certificate installation is not offered
  either;
- the charger asks the EV to stop with EVSENotification Terminate in the DC_ChargeLoopRes (-2: the
  DC_EVSEStatus's StopCharging).
"""

from __future__ import annotations

import time

from iso15118.secc.controller.common import UnknownEnergyService
from iso15118.secc.states import iso15118_20_states
from iso15118.shared.messages.enums import AuthEnum, ControlMode, Protocol, ServiceV20
from iso15118.shared.messages.iso15118_20.common_messages import (AuthorizationSetupRes, ChargingSchedule,
                                                                  DynamicScheduleExchangeResParams,
                                                                  EIMAuthSetupResParams, Parameter, ParameterSet,
                                                                  PowerDeliveryReq, PowerSchedule, PowerScheduleEntry,
                                                                  PowerScheduleEntryList, PriceLevelSchedule,
                                                                  PriceLevelScheduleEntry, PriceLevelScheduleEntryList,
                                                                  ScheduledScheduleExchangeResParams, ScheduleTuple,
                                                                  Service, ServiceList, ServiceParameterList)
from iso15118.shared.messages.iso15118_20.common_types import EVSENotification, EVSEStatus, MeterInfo, RationalNumber
from iso15118.shared.messages.iso15118_20.dc import (DCChargeParameterDiscoveryResParams, DynamicDCChargeLoopRes,
                                                     ScheduledDCChargeLoopResParams)
from iso15118.shared.states import Terminate

from hlc.sa_schedule import kept_periods, schedule_window

# ISO 15118-20 8.4.3 (the energy transfer services and their parameter sets): the sets offered for DC.
CONNECTOR_EXTENDED = 2  # Connector: a CCS connector, as -2's DC_extended
CONTROL_SCHEDULED = 1  # ControlMode: Scheduled (the EV sends its targets)
CONTROL_DYNAMIC = 2  # ControlMode: Dynamic (the EV sends its limits, the charger decides)
NEEDS_FROM_EV = 1  # MobilityNeedsMode: provided by the EVCC
PRICING_NONE = 0  # Pricing: no price information
PARAMETER_SETS = {1: CONTROL_SCHEDULED, 2: CONTROL_DYNAMIC}  # the set's id: its control mode
SCHEDULE_TUPLE_ID = 1
MAX_SUPPORTING_POINTS = 1024  # ScheduleExchangeReq MaximumSupportingPoints: its schema's upper bound


def offered_protocols(ac: bool, iso15118_20: bool) -> list[Protocol]:
    """What the SECC offers in SupportedAppProtocol, the EV's choice among them: only the protocols
    this bridge answers (iso15118 would offer all four, -20 AC and -20 DC among them)."""
    if ac:
        return [Protocol.ISO_15118_2]
    return [*([Protocol.ISO_15118_20_DC] if iso15118_20 else []), Protocol.ISO_15118_2, Protocol.DIN_SPEC_70121]


def rational(value: float) -> RationalNumber:
    return RationalNumber.get_rational_repr(float(value))


def power_schedule(periods: list, departure_s: int | None,
                   max_points: int | None) -> ScheduledScheduleExchangeResParams:
    """The controller's offer ([[start s from now, max W], ...]) as one ScheduleTuple. Its price schedule
    is a single price level over the whole window: ISO 15118-20 wants one of the two price schedules
    in a tuple, and the charger has no tariff to tell (Pricing 0 in the service parameters)."""
    window = schedule_window(departure_s)
    kept = kept_periods(periods, window, min(MAX_SUPPORTING_POINTS, max_points or MAX_SUPPORTING_POINTS))
    ends = [start for start, _ in kept[1:]] + [window]
    entries = [PowerScheduleEntry(duration=end - start, power=rational(max(0.0, watts)))
               for (start, watts), end in zip(kept, ends)]
    now = int(time.time())
    prices = PriceLevelSchedule(time_anchor=now, schedule_id=SCHEDULE_TUPLE_ID, num_price_levels=1,
                                schedule_entries=PriceLevelScheduleEntryList(
                                    entries=[PriceLevelScheduleEntry(duration=window, price_level=0)]))
    schedule = ChargingSchedule(power_schedule=PowerSchedule(
        time_anchor=now, schedule_entry_list=PowerScheduleEntryList(entries=entries)), price_level_schedule=prices)
    return ScheduledScheduleExchangeResParams(
        schedule_tuples=[ScheduleTuple(schedule_tuple_id=SCHEDULE_TUPLE_ID, charging_schedule=schedule)])


def ev_profile_entries(profile) -> list[list]:
    """A -20 EVPowerProfile (entries by duration) as [[start s, W], ...], -2's shape for the controller."""
    start, entries = 0, []
    for entry in profile.entry_list.entries:
        entries.append([start, entry.power.get_decimal_value()])
        start += entry.duration
    return entries


class Iso15118_20Dc:
    """The -20 DC answers, mixed into the bridged SECC controller (hlc.secc_child), which has the link,
    `_ask_round` and `_tell`."""

    v20_offer_ready = False  # the controller answered this ScheduleExchange round
    v20_control = ControlMode.SCHEDULED  # the EV's choice, known from its ScheduleExchangeReq on

    def forget_v20(self) -> None:
        """A new EV session: nothing of the last one's choices holds."""
        self.v20_offer_ready, self.v20_control = False, ControlMode.SCHEDULED

    def _v20(self) -> bool:
        return self.get_selected_protocol() == Protocol.ISO_15118_20_DC

    async def get_energy_service_list(self) -> ServiceList:
        return ServiceList(services=[Service(service_id=ServiceV20.DC.value, free_service=False)])

    async def get_service_parameter_list(self, service_id: int) -> ServiceParameterList:
        """DC with one parameter set per control mode; the EV's ServiceSelectionReq picks one."""
        return ServiceParameterList(parameter_sets=[ParameterSet(id=set_id, parameters=[
            Parameter(name="Connector", int_value=CONNECTOR_EXTENDED), Parameter(name="ControlMode", int_value=mode),
            Parameter(name="MobilityNeedsMode", int_value=NEEDS_FROM_EV),
            Parameter(name="Pricing", int_value=PRICING_NONE)]) for set_id, mode in PARAMETER_SETS.items()])

    async def get_dc_charge_params_v20(self, energy_service) -> DCChargeParameterDiscoveryResParams:
        if energy_service != ServiceV20.DC:  # DC_BPT (bidirectional) is not offered
            raise UnknownEnergyService(f"not offered: {energy_service}")
        evse = self.link.evse
        return DCChargeParameterDiscoveryResParams(
            evse_max_charge_power=rational(evse.get("max_power_w", 0.0)), evse_min_charge_power=rational(0),
            evse_max_charge_current=rational(evse.get("max_current_a", 0.0)), evse_min_charge_current=rational(0),
            evse_max_voltage=rational(evse.get("max_voltage_v", 0.0)), evse_min_voltage=rational(0))

    async def get_schedule_exchange_params(self, selected_energy_service, control_mode, schedule_exchange_req):
        """Ongoing (an empty schedule of 0 W, which the EV may not use) until the controller offers
        this round's; `ready_to_charge` tells iso15118 which. Dynamic: the round is asked the same way
        (the CSMS hears the EV's needs and may answer with a profile before the EV charges), and the
        answer confirms the EV's departure and state-of-charge targets; the offer itself stays with the
        power path, which applies it to every current it gives."""
        ev = self.ev_data_context
        self.v20_control = ControlMode.DYNAMIC if control_mode == ControlMode.DYNAMIC else ControlMode.SCHEDULED
        offer = await self._ask_round(ev.departure_time or 0)
        self.v20_offer_ready = offer is not None
        if control_mode == ControlMode.DYNAMIC:
            return DynamicScheduleExchangeResParams(departure_time=ev.departure_time, min_soc=ev.min_soc,
                                                    target_soc=ev.target_soc)
        periods = offer["periods"] if offer else [[0, 0.0]]
        return power_schedule(periods, ev.departure_time, schedule_exchange_req.max_supporting_points)

    def ready_to_charge(self) -> bool:
        return self.v20_offer_ready if self._v20() else super().ready_to_charge()

    async def get_dc_charge_loop_params_v20(self, control_mode, selected_service):
        evse = self.link.evse
        maxima = dict(evse_maximum_charge_power=rational(evse.get("max_power_w", 0.0)),
                      evse_minimum_charge_power=rational(0),
                      evse_maximum_charge_current=rational(evse.get("max_current_a", 0.0)),
                      evse_maximum_voltage=rational(evse.get("max_voltage_v", 0.0)))
        if control_mode == ControlMode.DYNAMIC:
            return DynamicDCChargeLoopRes(**maxima)
        return ScheduledDCChargeLoopResParams(**maxima)

    def dynamic_targets(self) -> tuple[float | None, float | None]:
        """Dynamic control: (volts, amps) for the power path from the EV's limits of its last
        DC_ChargeLoopReq; (None, None) before it sent any."""
        limits, ev = self.ev_data_context.session_limits.dc_limits, self.ev_data_context
        if limits.max_voltage is None or limits.max_charge_current is None:
            return None, None
        amps = limits.max_charge_current
        if limits.max_charge_power is not None:
            amps = min(amps, limits.max_charge_power / max(float(ev.present_voltage or 0.0), 1.0))
        return float(limits.max_voltage), float(amps)

    async def get_evse_status(self) -> EVSEStatus | None:
        """Terminate once the driver or the CSMS ended the session, or the power path shut down; none
        otherwise (iso15118's EV takes no other notification)."""
        evse = self.link.evse
        if evse.get("stop") or evse.get("state") in ("fault", "stopping"):
            return EVSEStatus(notification_max_delay=0, evse_notification=EVSENotification.TERMINATE)
        return None

    def _ev_targets(self) -> tuple[float, float]:
        """The EV's last target voltage and current, those worked out for it under Dynamic control (none
        yet: 0)."""
        ev = self.ev_data_context
        volts, amps = self.dynamic_targets() if self.v20_control == ControlMode.DYNAMIC else \
            (ev.target_voltage, ev.target_current)
        return float(volts or 0.0), float(amps or 0.0)

    async def is_evse_current_limit_achieved(self) -> bool:
        return self._ev_targets()[1] > self.link.evse.get("max_current_a", 0.0)

    async def is_evse_voltage_limit_achieved(self) -> bool:
        return self._ev_targets()[0] > self.link.evse.get("max_voltage_v", 0.0)

    async def is_evse_power_limit_achieved(self) -> bool:
        volts, amps = self._ev_targets()
        return volts * amps > self.link.evse.get("max_power_w", 0.0)

    async def ev_power_profile(self, profile) -> None:
        """The EVPowerProfile of the EV's PowerDeliveryReq Start (iso15118 keeps it to itself)."""
        await self._tell(ev_profile={"round": self.rounds, "entries": ev_profile_entries(profile)})

    async def get_meter_info_v20(self) -> MeterInfo | None:
        """The DC meter's register as the controller last sent it, for an EV that asks (MeterInfoRequested);
        none while the controller has no fresh reading (iso15118's simulator would make one up)."""
        evse = self.link.evse
        if not isinstance(evse.get("meter_wh"), (int, float)):
            return None
        return MeterInfo(meter_id=str(evse.get("meter_id") or "meter")[:32],
                         charged_energy_reading_wh=max(0, int(evse["meter_wh"])), meter_timestamp=int(time.time()))


def offer_eim_only() -> None:
    """-20's AuthorizationSetupRes offers External Identification alone and no certificate installation;
    iso15118 would offer Plug & Charge and the installation even without TLS (see the module's note)."""
    state = iso15118_20_states.AuthorizationSetup
    original = state.create_next_message

    def create_next_message(self, next_state, next_msg, *args, **kwargs):
        if isinstance(next_msg, AuthorizationSetupRes):
            next_msg = next_msg.copy(update={"auth_services": [AuthEnum.EIM], "cert_install_service": False,
                                             "pnc_as_res": None, "eim_as_res": EIMAuthSetupResParams()})
        return original(self, next_state, next_msg, *args, **kwargs)

    state.create_next_message = create_next_message


def report_v20_power_deliveries() -> None:
    """The EVPowerProfile of a -20 PowerDeliveryReq Start goes to the controller (OCPP 2.0.1
    NotifyEVChargingSchedule), as -2's ChargingProfile does (hlc.secc_v2_states.report_power_deliveries)."""
    original = iso15118_20_states.PowerDelivery.process_message

    async def process_message(self, message, message_exi=None):
        await original(self, message, message_exi)
        request = message if isinstance(message, PowerDeliveryReq) else None
        if request is None or self.next_state in (None, Terminate) or request.ev_power_profile is None:
            return
        await self.comm_session.evse_controller.ev_power_profile(request.ev_power_profile)

    iso15118_20_states.PowerDelivery.process_message = process_message

