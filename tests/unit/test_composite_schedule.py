"""Composite schedules against tables worked out by hand (OCPP 1.6 section 3.13)."""

from datetime import datetime, timedelta, timezone

import pytest

from firmware.smart_charging.composite import ConnectorView, composite, limit_at
from firmware.smart_charging.profiles import Period, Profile, Schedule

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)  # a Monday, 08:00 UTC
H = 3600


def profile(pid, purpose="TxDefaultProfile", stack=0, kind="Absolute", periods=((0, 32.0),), unit="A", start=T0,
            duration=None, connector=1, recurrency=None, valid_from=None, valid_to=None, tx=None, phases=None):
    return Profile(pid, connector, stack, purpose, kind,
                   Schedule(unit, tuple(Period(s, lim, phases) for s, lim in periods), start, duration),
                   recurrency, valid_from, valid_to, tx)


def table(profiles, seconds, view=None, t0=T0, voltage=230.0):
    view = view or ConnectorView(1)
    return [((s.start - t0).total_seconds() / 60, (s.end - t0).total_seconds() / 60, s.limit_a)
            for s in composite(profiles, view, t0, seconds, voltage)]


def test_a_higher_stack_level_wins_until_its_duration_ends():
    base = profile(1, periods=((0, 32.0),))
    peak = profile(2, stack=1, periods=((0, 16.0), (1800, 10.0)), duration=H)
    assert table([base, peak], 2 * H) == [(0, 30, 16.0), (30, 60, 10.0), (60, 120, 32.0)]


def test_a_tx_profile_replaces_the_default_only_during_its_transaction():
    default = profile(1, periods=((0, 32.0),))
    tx = profile(2, purpose="TxProfile", kind="Relative", start=None, periods=((0, 20.0), (600, 12.0)), tx="77")
    with_tx = ConnectorView(1, transaction_id="77", tx_start=T0 - timedelta(seconds=300))
    assert table([default, tx], H, with_tx) == [(0, 5, 20.0), (5, 60, 12.0)]
    other_tx = ConnectorView(1, transaction_id="78", tx_start=T0)
    assert table([default, tx], H, other_tx) == [(0, 60, 32.0)]


def test_charge_point_max_caps_every_connector():
    default = profile(1, periods=((0, 32.0),), connector=0)
    cap = profile(2, purpose="ChargePointMaxProfile", connector=0, periods=((0, 32.0), (H, 25.0)))
    assert table([default, cap], 2 * H) == [(0, 60, 32.0), (60, 120, 25.0)]


def test_a_connectors_own_default_wins_at_the_same_level_and_stacks_with_the_one_for_all():
    everyone = profile(1, connector=0, periods=((0, 10.0),))
    mine = profile(2, connector=2, periods=((0, 20.0),))
    assert table([everyone, mine], H, ConnectorView(2)) == [(0, 60, 20.0)]
    assert table([everyone, mine], H, ConnectorView(1)) == [(0, 60, 10.0)]
    everyone_higher = profile(3, connector=0, stack=1, duration=1800, periods=((0, 6.0),))
    assert table([everyone, mine, everyone_higher], H, ConnectorView(2)) == [(0, 30, 6.0), (30, 60, 20.0)]


def test_daily_recurring_evening_peak():
    midnight = datetime(2026, 1, 1, tzinfo=timezone.utc)
    daily = profile(1, kind="Recurring", recurrency="Daily", start=midnight,
                    periods=((0, 32.0), (17 * H, 10.0), (21 * H, 32.0)))
    # from 08:00 for a day: 32 A to 17:00, 10 A to 21:00, then 32 A through midnight to 08:00
    assert table([daily], 24 * H) == [(0, 540, 32.0), (540, 780, 10.0), (780, 1440, 32.0)]


def test_weekly_recurring_with_a_duration_leaves_the_other_days_free():
    monday = datetime(2025, 12, 29, tzinfo=timezone.utc)  # a Monday
    weekly = profile(1, kind="Recurring", recurrency="Weekly", start=monday, duration=24 * H, periods=((0, 16.0),))
    sunday = datetime(2026, 1, 4, 12, 0, tzinfo=timezone.utc)
    assert table([weekly], 24 * H, t0=sunday) == [(0, 720, None), (720, 1440, 16.0)]


def test_relative_default_counts_from_the_transaction_start():
    rel = profile(1, kind="Relative", start=None, periods=((0, 6.0), (600, 32.0)))
    view = ConnectorView(1, transaction_id="5", tx_start=T0 - timedelta(seconds=300))
    assert table([rel], H, view) == [(0, 5, 6.0), (5, 60, 32.0)]
    assert table([rel], H) == [(0, 10, 6.0), (10, 60, 32.0)], "asked before a transaction: from now"


def test_validity_window():
    windowed = profile(1, periods=((0, 20.0),), valid_from=T0 + timedelta(hours=1), valid_to=T0 + timedelta(hours=2))
    assert table([windowed], 3 * H) == [(0, 60, None), (60, 120, 20.0), (120, 180, None)]


@pytest.mark.parametrize("watts, number_phases, in_use, amps", [
    (7360.0, None, 1, 32.0),  # 1-phase board: 7360 W / 230 V
    (11040.0, 3, 3, 16.0),  # 3 x 230 V x 16 A
    (11040.0, None, 1, 48.0),  # the EV charges on one phase: all of it on that phase
    (11040.0, 1, 3, 48.0),  # the profile says one phase
    (4140.0, 3, 3, 6.0),
])
def test_watts_become_amps_with_the_phases_in_use(watts, number_phases, in_use, amps):
    p = profile(1, unit="W", periods=((0, watts),), phases=number_phases)
    limit, _ = limit_at([p], ConnectorView(1, phases_in_use=in_use), T0, 230.0)
    assert limit == pytest.approx(amps)


def test_nothing_installed_limits_nothing():
    assert table([], H) == [(0, 60, None)]
