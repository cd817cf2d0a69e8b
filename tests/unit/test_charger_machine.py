"""The session table: every allowed move, and every other (state, trigger) refused.

EXPECTED is written out by hand from OCPP 1.6 section 4.9 and IEC 61851-1
Annex A, independently of firmware.core.charger.TRANSITIONS, so a wrong row there
fails here.
"""

import itertools

import pytest
from transitions import MachineError

from firmware.core.charger import STATES, TRIGGERS, SessionModel

S = ["available", "preparing", "charging", "suspended_ev", "suspended_evse", "finishing", "faulted", "unavailable",
     "reserved"]
FLAGS = ("plugged", "authorized", "operative", "offer_ok")


def expected(state, trigger, plugged, authorized, operative, offer_ok):
    """Destination, or None when the move is forbidden."""
    session = state in ("charging", "suspended_ev", "suspended_evse")
    if trigger == "fault":
        return None if state == "faulted" else "faulted"
    if trigger == "fault_cleared":
        return ("available" if operative else "unavailable") if state == "faulted" else None
    table = {
        ("available", "ev_plugged"): "preparing",
        ("available", "authorize"): "preparing",
        ("preparing", "authorize"): "suspended_ev" if plugged else None,
        ("preparing", "ev_plugged"): "suspended_ev" if authorized else None,
        ("preparing", "ev_unplugged"): None if authorized else "available",
        ("preparing", "auth_timeout"): "available" if authorized and not plugged else None,
        ("suspended_ev", "ev_requests"): "charging" if offer_ok else "suspended_evse",
        ("charging", "ev_pauses"): "suspended_ev",
        ("suspended_evse", "ev_pauses"): "suspended_ev",
        ("charging", "limit_low"): "suspended_evse",
        ("suspended_evse", "limit_ok"): "charging" if offer_ok else None,
        ("finishing", "authorize"): "suspended_ev" if plugged else None,
        ("finishing", "ev_unplugged"): "available",
        ("available", "disable"): "unavailable",
        ("preparing", "disable"): "unavailable",
        ("finishing", "disable"): "unavailable",
        ("unavailable", "enable"): "available",
        ("available", "reserve"): "reserved",
        ("reserved", "unreserve"): "available",
        ("reserved", "authorize"): "suspended_ev" if plugged else "preparing",
        ("reserved", "disable"): "unavailable",
    }
    if session and trigger == "stop":
        return "finishing"
    if session and trigger == "ev_unplugged":
        return "available"
    return table.get((state, trigger))


def test_states_and_triggers_are_the_ones_we_test():
    assert sorted(STATES) == sorted(S)
    assert set(TRIGGERS) == {
        "ev_plugged", "ev_unplugged", "ev_requests", "ev_pauses", "authorize", "auth_timeout", "limit_low",
        "limit_ok", "stop", "fault", "fault_cleared", "disable", "enable", "reserve", "unreserve",
    }


CASES = list(itertools.product(S, sorted(TRIGGERS), *([(False, True)] * 4)))


@pytest.mark.parametrize("state, trigger, plugged, authorized, operative, offer_ok", CASES)
def test_every_state_trigger_and_guard_combination(state, trigger, plugged, authorized, operative, offer_ok):
    m = SessionModel()
    m.machine.set_state(state)
    m.plugged, m.authorized, m.operative, m.offer_ok = plugged, authorized, operative, offer_ok
    dest = expected(state, trigger, plugged, authorized, operative, offer_ok)
    if dest is None:
        if m.machine.get_triggers(state).count(trigger):
            assert not m.fire(trigger)  # the trigger exists here but a guard refuses it
            assert m.state == state
        else:
            with pytest.raises(MachineError):
                m.trigger(trigger)
    else:
        assert m.fire(trigger)
        assert m.state == dest


class Recorder(SessionModel):
    def __init__(self):
        self.log = []
        super().__init__()

    def on_session_begin(self):
        self.log.append("begin")

    def on_session_end(self, new_state):
        self.log.append(f"end->{new_state}")


def test_session_hooks_fire_once_on_entering_and_leaving():
    m = Recorder()
    m.plugged = True
    m.fire("ev_plugged")
    m.authorized = True
    m.fire("authorize")
    m.offer_ok = True
    m.fire("ev_requests")
    m.fire("ev_pauses")
    m.fire("ev_requests")
    m.fire("stop")
    assert m.log == ["begin", "end->finishing"]
    assert not m.authorized  # a new session needs a new authorization


def test_a_fault_during_a_session_ends_it():
    m = Recorder()
    m.plugged = m.authorized = m.offer_ok = True
    m.fire("ev_plugged")
    m.fire("authorize")
    m.fire("fault")
    assert m.log == ["begin", "end->faulted"]
