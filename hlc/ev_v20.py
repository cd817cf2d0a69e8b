"""The bench EV's ISO 15118-20 DC side (in .venv-hlc), mixed into hlc.ev_child.BenchEV: the same
battery, asked in -20's words. iso15118's simulated EV answers -20 with fixed numbers (a 20 V
battery, 200 A asked for, a 10 kW discharge offer, a schedule taken or not at random); this car asks
for what its battery wants, takes the first schedule it is offered, and offers nothing back (it does
not discharge).

It picks the control mode the bench gives it (`control_mode`: the parameter set the charger offers
with it). Scheduled: it sends its targets, as under -2. Dynamic: it sends its limits, which follow
its battery (its charging curve as the maximum current), and leaves the current to the charger.
"""

from __future__ import annotations

import asyncio
import logging
import time
from enum import Enum

from iso15118.evcc.states import iso15118_20_states
from iso15118.shared.messages.enums import ControlMode, ParameterName, ServiceV20
from iso15118.shared.messages.iso15118_20.common_messages import (ChargeProgress, DynamicEVPowerProfile,
                                                                  DynamicScheduleExchangeReqParams, EVPowerProfile,
                                                                  EVPowerScheduleEntry, EVPowerScheduleEntryList,
                                                                  PowerToleranceAcceptance,
                                                                  ScheduledEVPowerProfile,
                                                                  ScheduledScheduleExchangeReqParams,
                                                                  SelectedEnergyService)
from iso15118.shared.messages.iso15118_20.common_types import DisplayParameters, RationalNumber
from iso15118.shared.messages.iso15118_20.dc import (DCChargeParameterDiscoveryReqParams, DynamicDCChargeLoopReqParams,
                                                     ScheduledDCChargeLoopReqParams)

log = logging.getLogger("hlc.ev")


def rational(value: float) -> RationalNumber:
    return RationalNumber.get_rational_repr(float(value))


DEPARTURE_S = 4 * 3600  # Dynamic: the departure it tells (required there); Scheduled tells none


class BenchEv20:
    """Needs `battery()`, `_targets()` and `is_charging_complete()` of hlc.ev_child.BenchEV."""

    control_mode = ControlMode.SCHEDULED

    async def select_energy_service_v20(self, services) -> SelectedEnergyService:
        """DC, with the parameter set of its control mode (the first set if none has it)."""
        (dc,) = [s for s in services if s.service == ServiceV20.DC]
        chosen = next((ps for ps in dc.parameter_sets for p in ps.parameters
                       if p.name == ParameterName.CONTROL_MODE and p.int_value == self.control_mode),
                      dc.parameter_sets[0])
        log.info("the car chooses parameter set %s (%s control)", chosen.id, self.control_mode.name.lower())
        return SelectedEnergyService(service=dc.service, is_free=dc.is_free, parameter_set=chosen)

    async def get_charge_params_v20(self, selected_service) -> DCChargeParameterDiscoveryReqParams:
        if selected_service.service != ServiceV20.DC:
            raise NotImplementedError(f"the bench EV charges DC only, not {selected_service.service}")
        b = self.battery()
        return DCChargeParameterDiscoveryReqParams(
            ev_max_charge_power=rational(b["max_current_a"] * b["max_voltage_v"]), ev_min_charge_power=rational(0),
            ev_max_charge_current=rational(b["max_current_a"]), ev_min_charge_current=rational(0),
            ev_max_voltage=rational(b["max_voltage_v"]), ev_min_voltage=rational(0))

    def _energy_requests(self) -> dict:
        """From the battery: up to where it stops (target), up to full (maximum), nothing at least."""
        b = self.battery()
        to_stop = max(0.0, b["stop_at_pct"] - b["soc_pct"]) * b["capacity_wh"] / 100.0
        to_full = max(0.0, 100.0 - b["soc_pct"]) * b["capacity_wh"] / 100.0
        return dict(ev_target_energy_request=rational(to_stop), ev_max_energy_request=rational(to_full),
                    ev_min_energy_request=rational(0))

    async def get_scheduled_se_params(self, selected_energy_service) -> ScheduledScheduleExchangeReqParams:
        return ScheduledScheduleExchangeReqParams(**self._energy_requests())

    async def get_dynamic_se_params(self, selected_energy_service) -> DynamicScheduleExchangeReqParams:
        return DynamicScheduleExchangeReqParams(departure_time=DEPARTURE_S, target_soc=min(100, round(
            self.battery()["stop_at_pct"])), **self._energy_requests())

    async def process_dynamic_se_params(self, dynamic_params, pause: bool):
        """Its EVPowerProfile under Dynamic control: its maximum power until its departure."""
        b = self.battery()
        profile = EVPowerProfile(time_anchor=int(time.time()), dynamic_profile=DynamicEVPowerProfile(),
                                 entry_list=EVPowerScheduleEntryList(entries=[EVPowerScheduleEntry(
                                     duration=DEPARTURE_S, power=rational(b["max_current_a"] * b["max_voltage_v"]))]))
        return profile, ChargeProgress.STOP if pause else ChargeProgress.START

    async def process_scheduled_se_params(self, scheduled_params, pause: bool):
        """The first offered schedule, mirrored in its EVPowerProfile (ISO 15118-20 PowerDeliveryReq)."""
        chosen = scheduled_params.schedule_tuples[0]
        entries = [EVPowerScheduleEntry(duration=e.duration, power=e.power)
                   for e in chosen.charging_schedule.power_schedule.schedule_entry_list.entries]
        profile = EVPowerProfile(time_anchor=chosen.charging_schedule.power_schedule.time_anchor,
                                 entry_list=EVPowerScheduleEntryList(entries=entries),
                                 scheduled_profile=ScheduledEVPowerProfile(
                                     selected_schedule_tuple_id=chosen.schedule_tuple_id,
                                     power_tolerance_acceptance=PowerToleranceAcceptance.CONFIRMED))
        return profile, ChargeProgress.STOP if pause else ChargeProgress.START

    async def get_scheduled_dc_charge_loop_params(self) -> ScheduledDCChargeLoopReqParams:
        """Its targets."""
        await self._silent_on_error()
        target_v, target_a = self._targets()
        return ScheduledDCChargeLoopReqParams(ev_target_current=rational(target_a),
                                              ev_target_voltage=rational(target_v))

    async def get_dynamic_dc_charge_loop_params(self) -> DynamicDCChargeLoopReqParams:
        """Its limits: its battery's maximum voltage, and the current its charging curve takes now."""
        await self._silent_on_error()
        b = self.battery()
        return DynamicDCChargeLoopReqParams(
            ev_max_charge_power=rational(b["wants_a"] * b["max_voltage_v"]), ev_min_charge_power=rational(0),
            ev_max_charge_current=rational(b["wants_a"]), ev_max_voltage=rational(b["max_voltage_v"]),
            ev_min_voltage=rational(0), **self._energy_requests())

    async def _silent_on_error(self) -> None:
        """With the bench's EV error set, it falls silent: -20's DC_ChargeLoopReq has no EV error code
        (-2's DC_EVStatus has), and a car whose battery failed stops talking."""
        if self.battery().get("error"):
            log.warning("the battery reports %s: the car stops talking", self.battery()["error"])
            while True:
                await asyncio.sleep(3600)  # until the bench unplugs it (its process ends)

    async def get_present_voltage(self) -> RationalNumber:
        return rational(self.battery()["voltage_v"])

    async def get_target_voltage(self) -> RationalNumber:
        """Pre-charge: the charger brings its output to the battery's voltage."""
        return rational(self.battery()["voltage_v"])

    async def get_display_params(self) -> DisplayParameters:
        return DisplayParameters(present_soc=round(self.battery()["soc_pct"]),
                                 charging_complete=await self.is_charging_complete())


def wait_longer_in_the_charge_loop(wait_s: float) -> None:
    """As hlc.ev_child.wait_longer_in_the_current_demand_loop, for -20's DC_ChargeLoopRes (0.5 s in
    ISO 15118-20's table of timeouts)."""
    norm = iso15118_20_states.Timeouts
    iso15118_20_states.Timeouts = Enum(norm.__name__, {**{k: m.value for k, m in norm.__members__.items()},
                                                       "DC_CHARGE_LOOP_REQ": wait_s}, type=float)


def ask_for_the_meter() -> None:
    """The bench car asks for the charger's meter in every DC_ChargeLoopReq (MeterInfoRequested; iso15118's
    EV never does) and logs what it is told, as a car's display would show it."""
    state = iso15118_20_states.DCChargeLoop
    build, process = state.build_current_demand_data, state.process_message

    async def build_current_demand_data(self):
        return (await build(self)).copy(update={"meter_info_requested": True})

    async def process_message(self, message, message_exi=None):
        meter = getattr(message, "meter_info", None)
        if meter is not None:
            log.info("the charger's meter %s reads %s Wh", meter.meter_id, meter.charged_energy_reading_wh)
        await process(self, message, message_exi)

    state.build_current_demand_data, state.process_message = build_current_demand_data, process_message
