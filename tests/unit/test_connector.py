"""The safety tick through the mock HAL: when the contactor may close, and every reason it opens."""

import pytest

from firmware.core import charger
from firmware.core.session import StopReason
from rig import Rig


def test_contactor_closes_only_in_c_with_pwm_and_authorization():
    rig = Rig()
    rig.ev("C")  # EV asks for energy, but nobody authorized it
    assert rig.conn().state == charger.PREPARING
    assert rig.conn().duty == 100.0 and not rig.wire().contactor_cmd
    rig.authorize()
    assert rig.conn().duty == pytest.approx(53.33)  # 32 A offered
    assert not rig.wire().contactor_cmd  # meter start not yet recorded: billing must be exact
    rig.record_meter_start()
    assert rig.conn().state == charger.CHARGING
    assert rig.wire().contactor_cmd and rig.wire().contacts_closed


def test_plug_first_then_ev_pauses_and_resumes():
    rig = Rig()
    rig.charge()
    rig.ev("B")
    assert rig.conn().state == charger.SUSPENDED_EV and not rig.wire().contactor_cmd
    assert rig.conn().duty == pytest.approx(53.33)  # the offer stays while the EV pauses
    rig.ev("C")
    assert rig.conn().state == charger.CHARGING and rig.wire().contactor_cmd


def test_ident_first_waits_for_the_cable_then_times_out():
    rig = Rig()
    rig.conn().connection_timeout_s = 1.0
    assert rig.authorize()
    assert rig.conn().state == charger.PREPARING
    rig.tick(60)  # 1.2 s
    assert rig.conn().state == charger.AVAILABLE and not rig.conn().authorized


def test_ident_first_then_plug_starts_the_session():
    rig = Rig()
    rig.authorize()
    rig.ev("B")
    assert rig.conn().state == charger.SUSPENDED_EV and rig.conn().session is not None


@pytest.mark.parametrize(
    "act, state, reason",
    [
        (lambda r: r.wire().set_ev(state="B"), charger.SUSPENDED_EV, None),
        (lambda r: r.wire().set_ev(state="A"), charger.AVAILABLE, StopReason.EV_DISCONNECTED),
        (lambda r: r.wire().set_fault("rcd", True), charger.FAULTED, StopReason.OTHER),
        (lambda r: r.hal.bench.set_fault(0, "estop", True), charger.FAULTED, StopReason.EMERGENCY_STOP),
        (lambda r: r.hal.bench.set_fault(0, "overtemp", True), charger.FAULTED, StopReason.OTHER),
        (lambda r: r.wire().set_fault("diode", True), charger.FAULTED, StopReason.OTHER),
    ],
    ids=["C->B", "C->A", "rcd", "estop", "overtemp", "diode"],
)
def test_contactor_opens_in_the_same_tick(act, state, reason):
    rig = Rig()
    rig.charge()
    act(rig)
    rig.tick()
    assert not rig.wire().contactor_cmd, "the contactor must open on the first tick"
    assert rig.conn().state == state
    if reason is not None:
        assert rig.ended()[-1].stop_reason == reason


def test_pilot_short_opens_at_once_and_faults_after_the_hold():
    rig = Rig()
    rig.charge()
    rig.wire().set_fault("pilot_short", True)
    rig.tick()
    assert not rig.wire().contactor_cmd  # no longer in C: open now
    rig.tick(5)  # 100 ms: a persistent E is a fault, not a glitch
    assert rig.conn().state == charger.FAULTED and "pilot_short" in rig.conn().trips
    rig.wire().set_fault("pilot_short", False)
    rig.tick(2)
    assert rig.conn().state in (charger.AVAILABLE, charger.PREPARING)


def test_weld_is_detected_and_latched():
    rig = Rig()
    rig.charge()
    rig.wire().set_fault("weld", True)
    rig.ev("B")
    assert not rig.wire().contactor_cmd and rig.wire().contacts_closed
    rig.tick(15)  # 300 ms > weld_detect_s
    assert rig.conn().state == charger.FAULTED and "weld" in rig.conn().trips
    rig.wire().set_fault("weld", False)
    rig.tick(10)
    assert rig.conn().state == charger.FAULTED, "a weld stays latched until restart"


def test_a_welded_connector_is_never_reported_available():
    """Unplugging with welded contacts: the next status is Faulted, with no Available before it."""
    from firmware.events import StatusChanged

    rig = Rig()
    rig.charge()
    rig.wire().set_fault("weld", True)
    rig.ev("A")
    rig.tick(15)
    states = [e.state for e in rig.events if isinstance(e, StatusChanged) and e.connector_id == 1]
    after = states[states.index(charger.CHARGING) + 1:]
    assert after and after[-1] == charger.FAULTED
    assert charger.AVAILABLE not in after, after


def test_a_contactor_that_opens_normally_reports_available_at_once():
    from firmware.events import StatusChanged

    rig = Rig()
    rig.charge()
    rig.ev("A")
    states = [e.state for e in rig.events if isinstance(e, StatusChanged) and e.connector_id == 1]
    assert states[-1] == charger.AVAILABLE


def test_faults_clear_back_to_available():
    rig = Rig()
    rig.hal.bench.set_fault(1, "estop", True)
    rig.tick()
    assert rig.conn().state == charger.FAULTED
    rig.hal.bench.set_fault(1, "estop", False)
    rig.tick(2)
    assert rig.conn().state == charger.AVAILABLE


@pytest.mark.parametrize(
    "board, cable, csms, amps",
    [
        ("bench.toml", 32, None, 32.0),
        ("bench.toml", 20, None, 20.0),
        ("bench.toml", 13, None, 13.0),
        ("bench.toml", 32, 10.0, 10.0),
        ("bench-1ph.toml", 32, None, 16.0),
        ("bench-1ph.toml", 13, None, 13.0),
    ],
)
def test_offer_is_the_minimum_of_board_cable_and_csms(board, cable, csms, amps):
    rig = Rig(board)
    rig.wire().update(cable_rating_a=cable)
    rig.conn().csms_limit_a = csms
    rig.charge()
    assert rig.conn().offered_a == amps
    assert rig.wire().draw_a() == pytest.approx(amps, abs=0.02)  # the simulated EV reads the duty itself


def test_a_limit_under_6_amps_suspends_and_resumes():
    rig = Rig()
    rig.charge()
    rig.conn().csms_limit_a = 5.0
    rig.tick()
    assert rig.conn().state == charger.SUSPENDED_EVSE
    assert rig.conn().duty == 100.0 and not rig.wire().contactor_cmd
    rig.conn().csms_limit_a = 16.0
    rig.tick(2)
    assert rig.conn().state == charger.CHARGING and rig.wire().draw_a() == pytest.approx(16.0, abs=0.02)


def test_no_cable_in_the_socket_offers_nothing():
    rig = Rig()
    rig.wire().update(cable_rating_a=None)
    rig.ev("C")
    rig.authorize()
    assert rig.conn().state == charger.SUSPENDED_EVSE and rig.conn().duty == 100.0


def test_ev_draws_min_of_offer_and_its_own_max_on_every_phase():
    rig = Rig()
    rig.wire().set_ev(state="A", max_current_a=10.0)
    rig.charge()
    assert rig.wire().draw_a() == pytest.approx(10.0)
    assert rig.wire().power_w() == pytest.approx(10.0 * 230 * 3)


def test_stop_ends_the_session_and_releases_the_lock():
    rig = Rig()
    rig.charge()
    assert rig.wire().locked
    assert rig.conn().end_session(StopReason.REMOTE)
    rig.tick()
    assert rig.conn().state == charger.FINISHING and not rig.wire().contactor_cmd and not rig.wire().locked
    assert rig.ended()[-1].stop_reason == StopReason.REMOTE


def test_inoperative_waits_for_the_session_to_end():
    rig = Rig()
    rig.charge()
    rig.conn().operative = False
    rig.tick()
    assert rig.conn().state == charger.CHARGING  # scheduled, not forced
    rig.conn().end_session(StopReason.LOCAL)
    rig.tick(2)
    assert rig.conn().state == charger.UNAVAILABLE
    rig.conn().operative = True
    rig.tick()
    assert rig.conn().state == charger.PREPARING  # available again, and the EV is still plugged


def test_a_failing_tick_opens_the_contactor_and_the_loop_goes_on():
    rig = Rig()
    rig.charge()
    rig.conn().hal.pilot.read_pilot = lambda: 1 / 0
    rig.tick()
    assert not rig.wire().contactor_cmd
    assert rig.station.loop.ticks > 0


def test_a_wall_clock_jump_never_changes_a_session_duration():
    from datetime import timedelta

    rig = Rig()
    rig.charge()
    session = rig.conn().session
    rig.conn().wall.offset = timedelta(days=-400)  # the CSMS corrects a board that booted in the past
    rig.conn().end_session(StopReason.LOCAL)
    rig.tick()
    duration = (session.ended_at - session.started_at).total_seconds()
    assert 0 <= duration < 5  # the monotonic duration, not 400 days back
