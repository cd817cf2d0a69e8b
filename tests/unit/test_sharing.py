"""Sharing one supply among connectors, by hand-worked examples."""

import pytest

from firmware.smart_charging.sharing import Demand, share


def test_two_connectors_share_32_a_equally():
    got = share(32.0, [Demand(1, 32.0, True), Demand(2, 32.0, True)])
    assert got == {1: 16.0, 2: 16.0}


def test_a_lone_session_takes_all_it_may():
    got = share(32.0, [Demand(1, 32.0, True), Demand(2, 32.0, False)])
    assert got[1] == 32.0
    assert got[2] == 16.0, "an idle connector is offered what it would get if it started now"


def test_what_one_ev_leaves_goes_to_the_other():
    got = share(32.0, [Demand(1, 32.0, True, need_a=10.0), Demand(2, 32.0, True)])
    assert got == {1: 10.0, 2: 22.0}


def test_priority_is_served_first():
    got = share(40.0, [Demand(1, 32.0, True, priority=0), Demand(2, 32.0, True, priority=1)])
    assert got == {1: 8.0, 2: 32.0}


def test_under_6_a_the_lowest_priority_pauses():
    got = share(10.0, [Demand(1, 32.0, True), Demand(2, 32.0, True), Demand(3, 32.0, True, priority=1)])
    assert got == {1: 0.0, 2: 0.0, 3: 10.0}
    got = share(14.0, [Demand(1, 32.0, True), Demand(2, 32.0, True), Demand(3, 32.0, True)])
    assert got == {1: 7.0, 2: 7.0, 3: 0.0}, "equal priority: the highest-numbered pauses"


def test_no_budget_no_limit():
    assert share(None, [Demand(1, 32.0, True)]) == {1: None}


def test_caps_are_respected_and_the_rest_redistributed():
    got = share(48.0, [Demand(1, 13.0, True), Demand(2, 32.0, True), Demand(3, 32.0, True)])
    assert got == {1: 13.0, 2: 17.5, 3: 17.5}
    assert sum(got.values()) == pytest.approx(48.0)


def test_the_turn_decides_who_waits_among_equals():
    demands = [Demand(1, 32.0, True, pause_turn=1), Demand(2, 32.0, True, pause_turn=0), Demand(3, 32.0, True)]
    assert share(14.0, demands) == {1: 0.0, 2: 7.0, 3: 7.0}
