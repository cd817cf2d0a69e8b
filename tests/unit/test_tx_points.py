"""TxStartPoint and TxStopPoint (OCPP 2.0.1 E01-E09): when a transaction starts and ends, for each choice."""

from datetime import datetime, timezone

import pytest

from firmware.core.session import Session
from firmware.core.vocabulary import StopReason
from firmware.ocpp.v201.tx_points import AUTH, ENERGY, EV, PATH, TxPoints


class Ledger:
    """The transactions table and the events, as TxPoints sees them."""

    def __init__(self):
        self.events: list[tuple] = []  # (kind, key, trigger, info, extra, context, reading)
        self.links: dict[str, str | None] = {}

    def link(self, key, session_id):
        self.links[key] = session_id

    def key_of_session(self, session_id):
        return next((k for k, s in self.links.items() if s == session_id), None)

    def sink(self, kind, key, cid, trigger, info, extra, context, reading=None, at=None, session_id=None):
        self.events.append((kind, key, trigger, info, extra, context, reading))
        if session_id is not None:
            self.links[key] = session_id


def tracker(start, stop, active=lambda cid: True):
    ledger = Ledger()
    points = {"TxStartPoint": set(start), "TxStopPoint": set(stop)}
    return TxPoints(ledger, points.__getitem__, ledger.sink, active), ledger


def session(cid=1, tag="TAG", reason=StopReason.LOCAL):
    return Session(cid, tag, datetime(2026, 1, 1, tzinfo=timezone.utc), local_id=f"s-{tag}", stop_reason=reason)


def kinds(ledger):
    return [(kind, trigger) for kind, _, trigger, *_ in ledger.events]


def test_default_points_power_path_to_authorization_end():
    t, ledger = tracker({PATH}, {EV, AUTH})
    s = session()
    t.milestone(1, EV, True)
    t.milestone(1, AUTH, True, "TAG")
    t.session_began(s)
    assert ledger.events == []  # not yet: the power path is open
    t.milestone(1, PATH, True)
    assert kinds(ledger) == [("Started", "ChargingStateChanged")]
    started = ledger.events[0]
    assert started[1] == "s-TAG" and started[4]["idToken"]["idToken"] == "TAG"  # the session's own key
    t.session_ended(s, reading="exact stop")
    assert kinds(ledger)[-1] == ("Ended", "StopAuthorized")
    assert ledger.events[-1][3]["stoppedReason"] == "Local" and ledger.events[-1][6] == "exact stop"


def test_a_session_that_never_closed_the_power_path_has_no_transaction():
    t, ledger = tracker({PATH}, {EV, AUTH})
    s = session()
    t.milestone(1, AUTH, True, "TAG")
    t.session_began(s)
    t.session_ended(s, reading=None)
    assert ledger.events == []


def test_ev_connected_start_then_authorized_update_then_unplug_end():
    t, ledger = tracker({EV}, {EV})
    t.milestone(1, EV, True)
    assert kinds(ledger) == [("Started", "CablePluggedIn")]
    assert "idToken" not in ledger.events[0][4]
    s = session()
    t.milestone(1, AUTH, True, "TAG")
    t.session_began(s)
    assert kinds(ledger)[-1] == ("Updated", "Authorized") and ledger.events[-1][4]["idToken"]["idToken"] == "TAG"
    key = ledger.events[0][1]
    assert ledger.links[key] == "s-TAG"
    t.session_ended(s, reading=None)  # the card ends the session: TxStopPoint EVConnected keeps it open
    assert kinds(ledger)[-1] == ("Updated", "StopAuthorized")
    assert ledger.events[-1][3]["chargingState"] == "EVConnected" and ledger.links[key] is None
    t.milestone(1, EV, False)
    assert kinds(ledger)[-1] == ("Ended", "EVDeparted") and ledger.events[-1][3]["stoppedReason"] == "EVDisconnected"
    assert [e[1] for e in ledger.events] == [key] * 4  # one transaction throughout


def test_authorized_start_without_a_plug_ends_on_the_connection_timeout():
    t, ledger = tracker({AUTH}, {EV, AUTH})
    t.milestone(1, AUTH, True, "TAG")
    assert kinds(ledger) == [("Started", "Authorized")]
    t.idle(1)  # EVConnectionTimeOut: back to Available without a session
    assert kinds(ledger)[-1] == ("Ended", "EVConnectTimeout")
    assert ledger.events[-1][3]["stoppedReason"] == "Timeout"


def test_a_power_path_stop_point_ends_the_transaction_while_the_session_goes_on():
    t, ledger = tracker({PATH}, {PATH})
    s = session()
    t.milestone(1, AUTH, True, "TAG")
    t.session_began(s)
    t.milestone(1, PATH, True)
    t.milestone(1, PATH, False)  # the EV pauses: the session is still active
    assert kinds(ledger)[-1] == ("Ended", "ChargingStateChanged")
    assert ledger.events[-1][3]["stoppedReason"] == "StoppedByEV"
    t.milestone(1, PATH, True)  # it asks again: a new transaction in the same session
    assert kinds(ledger)[-1] == ("Started", "ChargingStateChanged")
    assert len({e[1] for e in ledger.events}) == 1  # keyed by the session: the same key again is a new one


def test_a_stop_point_the_session_causes_waits_for_the_exact_meter_stop():
    ended = {"yes": False}
    t, ledger = tracker({PATH}, {EV, AUTH}, active=lambda cid: not ended["yes"])
    s = session(reason=StopReason.EV_DISCONNECTED)
    t.milestone(1, EV, True)
    t.milestone(1, AUTH, True, "TAG")
    t.session_began(s)
    t.milestone(1, PATH, True)
    ended["yes"] = True  # the EV unplugs: the model ended the session on the control thread
    t.milestone(1, PATH, False)
    t.milestone(1, EV, False)
    assert kinds(ledger) == [("Started", "ChargingStateChanged")]  # not yet: the meter stop is being read
    t.session_ended(s, reading="exact")
    assert kinds(ledger)[-1] == ("Ended", "EVDeparted") and ledger.events[-1][6] == "exact"


def test_after_a_restart_the_recovered_session_ends_its_transaction():
    t, ledger = tracker({PATH}, {EV, AUTH})
    s = session(reason=StopReason.POWER_LOSS)
    ledger.links["s-TAG"] = "s-TAG"  # what the table kept from before the kill
    t.session_ended(s, reading="meter now")
    assert kinds(ledger) == [("Ended", "AbnormalCondition")]
    assert ledger.events[0][1] == "s-TAG" and ledger.events[0][3]["stoppedReason"] == "PowerLoss"


@pytest.mark.parametrize("point", [EV, AUTH, PATH, ENERGY])
def test_every_start_point_starts_once(point):
    t, ledger = tracker({point}, {EV})
    for p in (EV, AUTH, PATH, ENERGY):
        t.milestone(1, p, True, "TAG" if p == AUTH else None)
    assert [k for k, _ in kinds(ledger)].count("Started") == 1


def test_a_remote_start_is_named_on_the_event_that_carries_its_token():  # F01 (TC_F_01, TC_F_02)
    ledger = Ledger()
    points = {"TxStartPoint": {AUTH}, "TxStopPoint": {EV}}
    remote = {"R1": ("Central", 42)}
    t = TxPoints(ledger, points.__getitem__, ledger.sink, lambda cid: True,
                 token=lambda tag: remote.pop(tag) if tag in remote else ("ISO14443", None))
    t.milestone(1, AUTH, True, "R1")
    kind, _, trigger, info, extra, *_ = ledger.events[0]
    assert (kind, trigger) == ("Started", "RemoteStart") and info["remoteStartId"] == 42
    assert extra["idToken"] == {"idToken": "R1", "type": "Central"}
    t.milestone(1, EV, True)
    t.milestone(1, EV, False)
    t.milestone(2, AUTH, True, "CARD")  # a card afterwards: its own type, no remote id
    assert ledger.events[-1][2] == "Authorized" and "remoteStartId" not in (ledger.events[-1][3] or {})
    assert ledger.events[-1][4]["idToken"]["type"] == "ISO14443"
