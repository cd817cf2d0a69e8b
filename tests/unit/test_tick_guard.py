"""The tick guard: a stalled safety tick still opens the contactor, from a thread of its own."""

import threading
import time

from firmware.core import charger
from firmware.core.iec61851.pilot import DUTY_STATE_F
from firmware.core.session import StopReason
from firmware.core.tick_guard import CLEAR_S, STALL_TICKS
from rig import Rig


def test_a_late_tick_with_a_closed_contactor_opens_it_and_shows_state_f():
    rig = Rig()
    rig.charge()
    guard = rig.station.loop.guard
    limit = STALL_TICKS * rig.station.loop.tick_s
    assert not guard.check(rig.now + limit * 0.9)  # not yet late
    assert rig.wire().contactor_cmd
    assert guard.check(rig.now + limit * 1.01)
    assert not rig.wire().contactor_cmd and rig.wire().duty_pct == DUTY_STATE_F
    assert not guard.check(rig.now + limit * 2)  # once


def test_the_tick_that_comes_back_ends_the_session_with_a_fault_that_clears():
    rig = Rig()
    rig.charge()
    guard = rig.station.loop.guard
    guard.check(rig.now + 1.0)
    rig.tick()
    conn = rig.conn()
    assert conn.state == charger.FAULTED and "tick_stall" in conn.trips
    assert rig.ended()[-1].stop_reason == StopReason.OTHER
    assert not rig.wire().contactor_cmd
    rig.tick(int(CLEAR_S / 0.02) + 2)
    assert "tick_stall" not in conn.trips and conn.state != charger.FAULTED


def test_nothing_to_guard_while_every_contactor_is_open():
    rig = Rig()
    rig.ev("B")
    assert not rig.station.loop.guard.check(rig.now + 10.0)
    assert rig.wire().duty_pct != DUTY_STATE_F


def test_the_guard_thread_acts_while_the_tick_hangs_in_a_driver():
    """The real threads: the pilot ADC blocks (the bench's adc_hang); the contactor opens within 100 ms."""
    rig = Rig()
    rig.now = time.monotonic()  # the threads tick on the real clock from here
    rig.charge()
    loop = rig.station.loop
    loop.start()
    try:
        time.sleep(0.1)
        assert rig.wire().contacts_closed
        rig.wire().set_fault("adc_hang", True)
        hung = time.monotonic()
        while rig.wire().contactor_cmd and time.monotonic() - hung < 2.0:
            time.sleep(0.002)
        assert not rig.wire().contactor_cmd
        assert loop.guard.last_stall_ms is not None and loop.guard.last_stall_ms <= 100.0
        rig.wire().set_fault("adc_hang", False)
        deadline = time.monotonic() + 2.0
        while rig.conn().state != charger.FAULTED and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "tick_stall" in rig.conn().trips
    finally:
        rig.wire().set_fault("adc_hang", False)
        loop.stop()
    assert not any(t.name == "tick-guard" for t in threading.enumerate())


def test_a_due_check_that_passed_while_the_tick_ran_is_not_left_for_a_whole_period():
    """The contactor-feedback check falls due 1 ms after the last tick looked; the loop must come back
    for it at once (this left the stuck-open trip a tick period late now and then: 21 ms)."""
    rig = Rig()
    rig.charge()
    loop = rig.station.loop
    due = rig.conn().safety.next_due()
    loop.last_tick = due - 0.001  # the last tick ran just before it fell due
    assert loop._period(due + 0.002) == 0.0
    loop.last_tick = due + 0.001  # a tick has looked since: nothing left to check early
    assert loop._period(due + 0.002) == loop.tick_s
