"""IEC 61851-1 Annex A/B tables: bands, diode, duty <-> current, PP."""

import pytest

from firmware.core.iec61851.pilot import (
    CPState,
    PPInvalid,
    cable_rating_a,
    classify,
    current_for_duty,
    diode_ok,
    duty_for_current,
)


@pytest.mark.parametrize(
    "volts, state",
    [
        (12.0, CPState.A), (13.0, CPState.A), (11.0, CPState.A),
        (9.0, CPState.B), (10.0, CPState.B), (8.0, CPState.B),
        (6.0, CPState.C), (7.0, CPState.C), (5.0, CPState.C),
        (3.0, CPState.D), (4.0, CPState.D), (2.0, CPState.D),
        (0.0, CPState.E), (1.0, CPState.E), (-1.0, CPState.E),
        (-12.0, CPState.F), (-11.0, CPState.F), (-13.0, CPState.F),
    ],
)
def test_every_band_and_its_edges(volts, state):
    assert classify(volts) == state


@pytest.mark.parametrize("volts", [13.01, 10.5, 7.5, 4.5, 1.5, -5.0, -10.99, -13.01, 20.0])
def test_levels_between_bands_are_invalid_not_rounded(volts):
    assert classify(volts) == CPState.INVALID


def test_diode_needs_the_low_level_near_minus_12():
    assert diode_ok(-12.0)
    assert diode_ok(-11.0)
    assert not diode_ok(-10.9)
    assert not diode_ok(-6.0)  # no diode: the negative half is loaded like the positive
    assert diode_ok(None)  # no PWM, nothing to judge


@pytest.mark.parametrize(
    "amps, duty",
    [
        (6.0, 10.0), (10.0, 16.67), (16.0, 26.67), (32.0, 53.33), (51.0, 85.0),
        (52.0, 84.8), (63.0, 89.2), (80.0, 96.0),
    ],
)
def test_duty_for_current_table_a8(amps, duty):
    assert duty_for_current(amps) == pytest.approx(duty, abs=0.01)


def test_under_6_amps_offers_nothing_and_over_80_is_capped():
    assert duty_for_current(5.99) == 100.0
    assert duty_for_current(0.0) == 100.0
    assert duty_for_current(100.0) == duty_for_current(80.0)


@pytest.mark.parametrize("duty, amps", [(10.0, 6.0), (53.33, 32.0), (85.0, 51.0), (89.2, 63.0), (96.0, 80.0)])
def test_current_for_duty_inverts_the_table(duty, amps):
    assert current_for_duty(duty) == pytest.approx(amps, abs=0.01)


@pytest.mark.parametrize("duty", [0.0, 5.0, 9.99, 97.5, 100.0])
def test_duty_outside_the_pwm_ranges_offers_zero(duty):
    assert current_for_duty(duty) == 0.0


@pytest.mark.parametrize("amps", [6.0, 13.0, 20.0, 32.0, 40.0, 51.0, 63.0, 70.0, 80.0])
def test_round_trip(amps):
    assert current_for_duty(duty_for_current(amps)) == pytest.approx(amps, abs=0.02)


@pytest.mark.parametrize("ohms, rating", [(1500, 13), (680, 20), (220, 32), (100, 63), (1100, 13), (150, 32)])
def test_pp_resistor_to_cable_rating(ohms, rating):
    assert cable_rating_a(ohms) == rating


def test_pp_open_is_no_cable_and_out_of_window_is_invalid():
    assert cable_rating_a(None) is None
    with pytest.raises(PPInvalid):
        cable_rating_a(10.0)
    with pytest.raises(PPInvalid):
        cable_rating_a(5000.0)
