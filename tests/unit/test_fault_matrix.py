"""Every row of the fault matrix (firmware/core/faults.py) on the bench, ticked by hand.

Each fault must open the contactor in the tick that sees it, put the pilot in
the state its row names, report the right OCPP 1.6 errorCode, and end only
by its recovery rule.
"""

from dataclasses import replace

import pytest

from firmware.core import charger
from firmware.core.faults import BY_NAME, FAULTS, PILOT_F, TRIP
from firmware.ocpp.v16.status import ERROR_CODE, status_of
from firmware.core.session import StopReason
from rig import Rig

TICK_S = 0.02


def ticks(seconds: float) -> int:
    return int(round(seconds / TICK_S)) + 1


def with_meter(rig: Rig, cid: int = 1) -> None:
    """The connector judges the bench meter's reading, stamped with the rig's clock."""
    meter = rig.hal.connectors[cid].meter
    rig.conn(cid).reading = lambda: replace(meter.read(), taken_at=rig.now)


# bench switch -> (fault, station-wide switch?, seconds until it is due)
SWITCHES = {
    "rcd": ("rcd", False, 0.0),
    "estop": ("estop", True, 0.0),
    "overtemp": ("overtemp", True, 0.0),
    "temp_sensor": ("temp_sensor", True, 0.0),
    "power_fail": ("power_fail", True, 0.0),
    "adc": ("pilot_adc", False, 0.0),
    "diode": ("diode", False, 0.0),
    "pilot_short": ("pilot_short", False, 0.1),
    "pp_invalid": ("pp_invalid", False, 0.0),
    "over_voltage": ("over_voltage", False, 0.0),
    "under_voltage": ("under_voltage", False, 0.0),
    "overcurrent": ("overcurrent", False, 5.1),
}


@pytest.mark.parametrize("switch", sorted(SWITCHES))
def test_each_fault_trips_to_its_safe_state(switch):
    fault, station_wide, due_s = SWITCHES[switch]
    rig = Rig()
    with_meter(rig)
    rig.charge()
    rig.hal.bench.set_fault(0 if station_wide else 1, switch, True)
    rig.tick(ticks(due_s) if due_s else 1)
    conn = rig.conn()
    assert not rig.wire().contactor_cmd, f"{switch}: the contactor must be open"
    assert fault in conn.trips and conn.state == charger.FAULTED
    rig.tick()
    expected_duty = 0.0 if BY_NAME[fault].pilot == PILOT_F else 100.0
    assert conn.duty == expected_duty, f"{fault}: pilot must show {BY_NAME[fault].pilot}"
    assert status_of(conn.state, conn.trips)[1] == ERROR_CODE[fault]
    assert rig.ended()[-1].stop_reason == (
        StopReason.EMERGENCY_STOP if fault == "estop" else StopReason.POWER_LOSS if fault == "power_fail"
        else StopReason.OTHER)


def test_weld_and_stuck_open_latch_until_reset():
    rig = Rig()
    rig.charge()
    rig.wire().set_fault("stuck_open", True)
    rig.tick(2)
    assert rig.conn().state == charger.CHARGING  # the contactor has close_detect_s to show it closed
    rig.tick(ticks(rig.board.close_detect_s))
    assert "contactor_stuck_open" in rig.conn().trips and rig.conn().duty == 0.0
    rig.wire().set_fault("stuck_open", False)
    rig.tick(ticks(60))
    assert rig.conn().state == charger.FAULTED, "latched until a reset"
    assert status_of(rig.conn().state, rig.conn().trips)[1] == "PowerSwitchFailure"


def test_a_weld_is_seen_again_after_a_restart_while_it_lasts():
    rig = Rig()
    rig.charge()
    rig.wire().set_fault("weld", True)
    rig.ev("B")
    rig.tick(ticks(rig.board.weld_detect_s))
    assert "weld" in rig.conn().trips
    fresh = Rig()  # a restart on the same hardware: the contacts are still welded
    fresh.wire().set_fault("weld", True)
    fresh.tick(ticks(fresh.board.weld_detect_s))
    assert "weld" in fresh.conn().trips and fresh.conn().duty == 0.0


def test_rcd_retries_after_a_wait_and_latches_after_the_limit():
    rig = Rig(rcd_retry_s=2.0, retry_limit=2)
    for attempt in range(3):
        rig.wire().set_fault("rcd", True)
        rig.tick()
        assert rig.conn().state == charger.FAULTED
        rig.wire().set_fault("rcd", False)
        rig.tick(ticks(1.0))
        assert rig.conn().state == charger.FAULTED, "the RCD must stay off for rcd_retry_s"
        assert rig.conn().duty == 0.0, "state F while waiting"
        rig.tick(ticks(1.2))
        if attempt < 2:
            assert rig.conn().state == charger.AVAILABLE, f"retry {attempt + 1} must come back"
    assert rig.conn().state == charger.FAULTED, "a third trip within the hour latches"
    rig.tick(ticks(30))
    assert "rcd" in rig.conn().trips


def test_ev_side_faults_end_only_when_the_ev_leaves():
    rig = Rig()
    rig.charge()
    rig.wire().set_fault("diode", True)
    rig.tick()
    rig.wire().set_fault("diode", False)
    rig.tick(ticks(2))
    assert "diode" in rig.conn().trips and rig.conn().duty == 100.0, "x1: unplugging stays visible"
    rig.ev("A")
    rig.tick()
    assert rig.conn().state == charger.AVAILABLE and not rig.conn().trips


def test_overcurrent_allows_the_norms_grace_then_retries():
    rig = Rig(overcurrent_retry_s=3.0)
    with_meter(rig)
    rig.charge()
    rig.wire().set_fault("overcurrent", True)  # 32 A offered, the EV takes 40 A (> 35.2 A)
    rig.tick(ticks(4.8))
    assert rig.wire().contactor_cmd, "5 s to follow the duty (IEC 61851-1 Table A.6)"
    rig.tick(ticks(0.3))
    assert not rig.wire().contactor_cmd and "overcurrent" in rig.conn().trips
    rig.wire().set_fault("overcurrent", False)
    rig.tick(ticks(2.5))
    assert rig.conn().state == charger.FAULTED
    rig.tick(ticks(1.0))
    assert rig.conn().state != charger.FAULTED


def test_current_within_tolerance_is_not_overcurrent():
    rig = Rig()
    with_meter(rig)
    rig.wire().update(cable_rating_a=13)  # 13 A offered: +2 A tolerance
    rig.charge()
    rig.wire().set_ev(max_current_a=80)
    rig.conn().reading = lambda: replace(rig.hal.connectors[1].meter.read(), currents_a=(14.9,) * 3, taken_at=rig.now)
    rig.tick(ticks(10))
    assert rig.wire().contactor_cmd and not rig.conn().trips


def test_temperature_derates_then_trips_with_hysteresis():
    rig = Rig()
    rig.charge()
    assert rig.conn().offered_a == 32.0
    rig.hal.bench.set_temperature(75.0)  # halfway from derate_from_c (70) to the limit (80)
    rig.tick()
    assert rig.conn().offered_a == pytest.approx(19.0)
    assert rig.wire().draw_a() == pytest.approx(19.0, abs=0.1), "the EV follows the lower duty"
    rig.hal.bench.set_temperature(80.0)
    rig.tick()
    assert "overtemp" in rig.conn().trips and not rig.wire().contactor_cmd
    rig.hal.bench.set_temperature(76.0)
    rig.tick(3)
    assert "overtemp" in rig.conn().trips, "clears only temp_hysteresis_c below the limit"
    rig.hal.bench.set_temperature(74.0)
    rig.tick(3)
    assert rig.conn().state != charger.FAULTED


def test_a_jammed_lock_never_lets_the_contactor_close():
    rig = Rig()
    rig.wire().set_fault("lock", True)
    rig.ev("B")
    rig.authorize()
    rig.record_meter_start()
    rig.ev("C")
    assert not rig.wire().contactor_cmd, "no energy through an unlocked socket"
    rig.tick(ticks(rig.board.lock_detect_s))
    assert "lock_failure" in rig.conn().trips
    assert status_of(rig.conn().state, rig.conn().trips)[1] == "ConnectorLockFailure"
    rig.wire().set_fault("lock", False)
    rig.tick(ticks(2))
    assert "lock_failure" in rig.conn().trips, "until the EV is unplugged"
    rig.ev("A")
    assert rig.conn().state == charger.AVAILABLE


def test_the_pilot_adc_failing_is_state_f_until_it_answers():
    rig = Rig()
    rig.wire().set_fault("adc", True)
    rig.tick(2)
    assert "pilot_adc" in rig.conn().trips and rig.conn().duty == 0.0
    rig.wire().set_fault("adc", False)
    rig.tick(2)
    assert rig.conn().state == charger.AVAILABLE and rig.conn().duty == 100.0


def test_every_fault_has_a_code_an_action_and_a_rule():
    for fault in FAULTS:
        assert ERROR_CODE[fault.name] != "NoError"
        if fault.action == TRIP:
            assert fault.pilot is not None


def test_the_temperature_sensor_is_read_once_per_tick_for_all_connectors():
    rig = Rig()  # two connectors
    sensor = rig.hal.temperature
    reads = []
    original = sensor.read_c
    sensor.read_c = lambda: reads.append(1) or original()
    rig.tick(5)
    assert len(reads) == 5
