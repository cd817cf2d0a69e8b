"""The DC power path (firmware/dc/power_path.py) on the simulated DC bus with an injected clock: a
whole session from cable check to welding check, and every trip opening the output in the tick it
is seen (IEC 61851-23 CC.4.1 cable check, 6.3.1.105 insulation, ISO 15118-2 timings)."""

import pytest

from dc_rig import DcRig
from firmware.dc import ev_link, norm
from firmware.dc.power_path import CABLE_CHECK, CHARGING, DONE, FAULT, OFF, PRECHARGE, within_precharge
from hal.mock.dc import Battery


def small_battery(**kw) -> Battery:
    return Battery(capacity_kwh=2.0, **kw)


def charging_rig(**kw) -> DcRig:
    rig = DcRig(small_battery(), **kw)
    assert rig.until(lambda: rig.path.state == CHARGING, 60), rig.path.status()
    rig.tick(50)
    return rig


def test_a_whole_session_from_cable_check_to_welding_check():
    rig = DcRig(small_battery())
    done = []
    rig.path.machine.on_enter_done(lambda: done.append(rig.output_off()))
    assert rig.until(lambda: rig.path.state == PRECHARGE, 60), rig.path.status()
    assert rig.path.test_voltage_v == 470.0  # EV max 420 V: 50 V above (CC.4.1.4)
    assert rig.path.insulation_ohm == rig.bus.insulation_ohm
    assert rig.until(lambda: rig.path.state == CHARGING, norm.PRECHARGE_S)
    peak = (0.0, 0.0)
    while rig.path.state == CHARGING:
        rig.tick(50)
        peak = max(peak, (rig.bus.current_a, rig.bus.voltage_v))
    current, volts = peak
    assert current == pytest.approx(min(200.0, 60000.0 / volts), rel=0.02)  # two 100 A / 30 kW modules
    assert rig.until(lambda: done, 10), rig.path.status()
    assert done == [True], "DONE only with the output off and the contactors open"
    assert rig.bus.battery.soc_pct >= 80.0 and rig.output_off() and rig.bus.voltage_v < norm.SAFE_VOLTAGE_V
    battery_wh = (rig.bus.battery.soc_pct - 20.0) / 100 * 2000.0
    assert rig.hal.meter.read().energy_wh == pytest.approx(battery_wh, rel=0.05)
    rig.tick(3)
    assert rig.path.state == OFF and rig.path.fault is None


@pytest.mark.parametrize("ohm, alarm_below, words", [
    (50e3, 100e3, "the insulation monitor's alarm (50 kOhm)"),  # its relay, set at 100 kOhm
    (99e3, 30e3, "insulation 99 kOhm at 470 V, below 100 kOhm"),  # set lower: the measured value decides
])
def test_the_cable_check_refuses_an_insulation_below_100_kohm(ohm, alarm_below, words):
    rig = DcRig(small_battery())
    rig.bus.insulation_ohm, rig.imd.alarm_below_ohm = ohm, alarm_below
    assert rig.until(lambda: rig.path.state == FAULT, norm.CABLE_CHECK_S)
    assert words in rig.path.cable_check_failed and rig.path.fault.startswith("cable check failed")
    assert rig.output_off() and rig.bus.current_a == 0.0 and rig.bus.battery.soc_pct == 20.0


def test_a_failed_self_test_of_the_insulation_monitor_fails_the_cable_check():
    rig = DcRig(small_battery())
    rig.bus.imd_self_test_ok = False
    assert rig.until(lambda: rig.path.state == FAULT, norm.CABLE_CHECK_S)
    assert rig.path.cable_check_failed == "the insulation monitor failed its self test" and rig.output_off()


def test_contactors_that_never_close_fail_the_cable_check_in_time():
    rig = DcRig(small_battery())
    rig.hal.contactor.close = lambda: None  # the coil is dead
    assert rig.until(lambda: rig.path.state == FAULT, norm.CONTACTOR_S + 1)
    assert "DC contactors closed: not within" in rig.path.cable_check_failed


@pytest.mark.parametrize("trip, visible, words", [
    (lambda rig: rig.bus.module_faults.setdefault(2, set()).add("output over-temperature"),
     lambda rig: rig.modules[1].read().faults, "power module fault: module 2: output over-temperature"),
    (lambda rig: setattr(rig.ev.request, "error", "FAILED_EmergencyEvent"), lambda rig: True,
     "the EV reports an error"),
    (lambda rig: setattr(rig.bus, "insulation_ohm", 20e3), lambda rig: rig.imd.read().resistance_ohm == 20e3,
     "insulation fault: the insulation monitor's alarm (20 kOhm)"),  # the relay after its next measurement
    (lambda rig: setattr(rig.bus, "contactor_cmd", False), lambda rig: True, "opened under load"),
])
def test_every_trip_while_charging_opens_the_output_in_the_tick_it_is_seen(trip, visible, words):
    rig = charging_rig()
    assert rig.bus.current_a > 100
    trip(rig)
    for _ in range(100):
        assert rig.path.state == CHARGING or visible(rig), "nothing tripped before the cause was visible"
        rig.tick()
        if visible(rig):
            break
    assert rig.path.state == FAULT and words in rig.path.fault
    assert rig.output_off(), "modules off and contactors open in the tick the cause became visible"


def test_an_ev_that_falls_silent_gets_its_output_off_after_the_silence_limit():
    rig = charging_rig()
    rig.ev.talking = False
    silent_at = rig.clock.now
    assert rig.until(lambda: rig.path.state == FAULT, norm.EV_SILENCE_S + 0.5)
    assert rig.clock.now - silent_at == pytest.approx(norm.EV_SILENCE_S, abs=0.05)
    assert "silent" in rig.path.fault and rig.output_off()


def test_over_voltage_above_the_evs_maximum_trips():
    rig = charging_rig()
    rig.ev.request.max_voltage_v = rig.bus.voltage_v - 20  # the EV's limit now below the output
    rig.tick()
    assert rig.path.state == FAULT and "over-voltage" in rig.path.fault and rig.output_off()


def test_a_welded_contactor_is_found_after_the_stop():
    rig = DcRig(small_battery(soc_pct=78.0))
    assert rig.until(lambda: rig.path.state == CHARGING, 60)
    rig.bus.contactor_welded = True
    assert rig.until(lambda: rig.path.state == FAULT, 60), rig.path.status()
    assert "welded" in rig.path.fault and not any(m.is_on for m in rig.modules)


def test_the_models_limit_caps_the_current():
    rig = charging_rig(limit_a=lambda now: 50.0)
    rig.tick(100)
    assert rig.bus.current_a == pytest.approx(50.0, abs=0.5)


def test_power_asked_before_precharge_reached_the_battery_voltage_trips():
    rig = DcRig(small_battery())
    assert rig.until(lambda: rig.path.state == PRECHARGE, 60)
    rig.ev.request.stage = ev_link.POWER_ON  # too early: the output is still far below the battery
    rig.tick()
    assert rig.path.state == FAULT and "before pre-charge" in rig.path.fault and rig.output_off()


def test_the_first_current_demand_seen_with_the_power_delivery_starts_charging():
    """A quick SECC hands the EV's PowerDeliveryReq and its first CurrentDemandReq (now targeting its
    charging voltage, not its battery's) to the path within one tick: pre-charge is judged against the
    PreChargeReq's target, which the output reached."""
    rig = DcRig(small_battery())
    rig.ev.quick_secc = True
    stages = []
    rig.path.machine.on_enter_charging(lambda: stages.append(rig.ev.request.stage))
    assert rig.until(lambda: rig.path.state != PRECHARGE and rig.path.state != "cable_ok" and stages, 60)
    assert rig.path.state == CHARGING and rig.path.fault is None, rig.path.status()
    assert stages == [ev_link.CURRENT_DEMAND] and rig.ev.request.target_voltage_v == 420.0


@pytest.mark.parametrize("present_v, target_v, within", [
    (325.6, 346.0, True),  # the EV was told 326 V: 20 V off, it may ask for power
    (325.4, 346.0, False),  # told 325 V
    (366.4, 346.0, True),  # above the target as below
    (366.6, 346.0, False),
    (330.0, 345.7, True),  # the EV's target keeps its decimals
])
def test_pre_charge_is_judged_on_the_voltage_as_the_ev_was_told_it(present_v, target_v, within):
    assert within_precharge(present_v, target_v) is within


def test_a_fault_clears_once_the_cause_is_gone_and_the_output_is_safe():
    rig = charging_rig()
    rig.bus.module_faults[1] = {"input under-voltage"}
    rig.tick()
    assert rig.path.state == FAULT
    rig.ev.request.stage = ev_link.ENDED
    rig.bus.ev_contactors_closed = False
    rig.tick(100)
    assert rig.path.state == FAULT, "not while the module still reports its fault"
    rig.bus.module_faults.clear()
    assert rig.until(lambda: rig.path.state == OFF, 5) and rig.path.fault is None


def test_a_hardware_command_that_fails_trips_instead_of_crashing():
    rig = DcRig(small_battery())

    def refuse(test_voltage_v):
        from hal.errors import HalError
        raise HalError("bus imd, device 3: no response")
    rig.imd.start = refuse
    assert rig.until(lambda: rig.path.state == FAULT, norm.CABLE_CHECK_S)
    assert "a hardware command failed: bus imd, device 3: no response" in rig.path.cable_check_failed
    assert rig.output_off()


def test_a_stop_during_the_cable_check_ramps_down_from_the_test_voltage_without_a_trip():
    """Stopped at the test voltage (above the EV's maximum: CC.4.1.4), before pre-charge: the ramp down
    starts above the EV's limit, which holds only once the EV can be connected."""
    rig = DcRig(small_battery())
    ev_max = rig.ev.request.max_voltage_v
    assert rig.until(lambda: rig.path.state == CABLE_CHECK and rig.bus.voltage_v > ev_max + norm.OVER_VOLTAGE_MARGIN_V,
                     60), rig.path.status()
    rig.path.stop()
    assert rig.until(lambda: rig.path.state in (DONE, OFF), 30), rig.path.status()
    assert rig.path.fault is None and rig.output_off()


def test_no_voltage_on_the_cable_until_the_ev_switches_to_state_c(caplog):
    """IEC 61851-1 Table A.3 (kept by IEC 61851-23): a car that asks for its cable check but stays in B
    gets nothing on the cable, and the log says why; once it closes S2 the check begins and the session
    goes on."""
    rig = DcRig(small_battery())
    rig.ev.s2_stuck_open = True
    rig.tick(200)  # 4 s of CableCheckReqs in state B
    assert rig.ev.request.stage == ev_link.CABLE_CHECK and rig.path.state == OFF
    assert caplog.text.count("its pilot stays in state B") == 1
    assert rig.output_off() and rig.bus.voltage_v == 0.0 and rig.imd.test_voltage_v is None
    rig.ev.s2_stuck_open = False
    assert rig.until(lambda: rig.path.state == CABLE_CHECK, 0.1)
    assert rig.until(lambda: rig.path.state == CHARGING, 60), rig.path.status()


@pytest.mark.parametrize("state", [CABLE_CHECK, CHARGING])
def test_an_ev_back_in_state_b_ramps_the_output_down_and_the_path_ends_cleanly(state):
    """Back in B before its power delivery stop, the car has ended the energy transfer: current to zero,
    modules off, contactors open, welding checked; no fault, the next session may begin."""
    rig = DcRig(small_battery())
    assert rig.until(lambda: rig.path.state == state, 60), rig.path.status()
    rig.tick(50)
    rig.ev.s2_stuck_open = True
    rig.tick()
    assert rig.path.state == "stopping"
    assert rig.until(lambda: rig.path.state == DONE, norm.STOP_S + norm.WELD_CHECK_S + 1), rig.path.status()
    assert rig.output_off() and rig.path.fault is None and rig.bus.voltage_v < norm.SAFE_VOLTAGE_V
