"""Control pilot and proximity pilot, as pure functions of measured values.

Everything here follows IEC 61851-1:2017 Annex A (control pilot) and Annex B
(proximity pilot); the table each constant comes from is named beside it.
"""

from __future__ import annotations

from enum import Enum


class CPState(str, Enum):
    """IEC 61851-1 Table A.3: system states seen on the pilot."""

    A = "A"  # EV not connected
    B = "B"  # EV connected, not ready
    C = "C"  # EV connected, ready, no ventilation needed
    D = "D"  # EV connected, ready, ventilation needed
    E = "E"  # CP shorted to PE, or EVSE without supply
    F = "F"  # EVSE not available (oscillator at -12 V)
    INVALID = "invalid"  # a level between the norm's bands


# IEC 61851-1 Table A.4: the CP high level per state, nominal +-1 V
# (as the EVSE measures it, tolerances of Table A.4 and A.6 included).
# Levels falling in the gaps between bands are INVALID, never rounded.
HIGH_LEVEL_BANDS: tuple[tuple[CPState, float, float], ...] = (
    (CPState.A, 11.0, 13.0),
    (CPState.B, 8.0, 10.0),
    (CPState.C, 5.0, 7.0),
    (CPState.D, 2.0, 4.0),
    (CPState.E, -1.0, 1.0),
    (CPState.F, -13.0, -11.0),
)

# IEC 61851-1 Table A.4: with PWM running, the low level is -12 V +-1 V when
# the EV's diode is present. Higher (less negative) than this: diode missing.
DIODE_LOW_LEVEL_MAX_V = -11.0

# IEC 61851-1 Table A.8 (duty cycle provided by the EVSE).
MIN_CURRENT_A = 6.0
MAX_CURRENT_A = 80.0
LOW_RANGE_MAX_A = 51.0  # 6..51 A: duty = I / 0.6
HIGH_RANGE_OFFSET_PCT = 64.0  # 51..80 A: duty = I / 2.5 + 64
DUTY_NO_PWM = 100.0  # steady +12 V: states x1, no energy offered
DUTY_STATE_F = 0.0  # steady -12 V: EVSE not available
DUTY_DIGITAL = 5.0  # IEC 61851-1 Annex A.2.3 / ISO 15118-3: digital communication required, the offer on the link


def classify(high_v: float) -> CPState:
    """The state named by the CP high level (Table A.4 bands, edges inclusive)."""
    for state, low, high in HIGH_LEVEL_BANDS:
        if low <= high_v <= high:
            return state
    return CPState.INVALID


def diode_ok(low_v: float | None) -> bool:
    """True unless PWM is running and the low level shows no diode (Table A.4).

    Without PWM there is no negative half-wave, so nothing can be said: the
    check is only made while oscillating.
    """
    return low_v is None or low_v <= DIODE_LOW_LEVEL_MAX_V


def duty_for_current(amps: float) -> float:
    """PWM duty in percent that offers `amps` (Table A.8).

    Below 6 A nothing may be offered: the oscillator stays off (100 %, state
    x1). Above 80 A the offer is capped at 80 A.
    """
    if amps < MIN_CURRENT_A:
        return DUTY_NO_PWM
    amps = min(amps, MAX_CURRENT_A)
    if amps <= LOW_RANGE_MAX_A:
        return round(amps / 0.6, 2)
    return round(amps / 2.5 + HIGH_RANGE_OFFSET_PCT, 2)


def current_for_duty(duty_pct: float) -> float:
    """Amps a duty offers, the inverse of `duty_for_current` (Table A.8).

    10 %..85 % -> duty * 0.6; 85 %..96 % -> (duty - 64) * 2.5; outside the
    PWM ranges the offer is 0 A.
    """
    if 10.0 <= duty_pct <= 85.0:
        return round(duty_pct * 0.6, 2)
    if 85.0 < duty_pct <= 96.0:
        return round((duty_pct - HIGH_RANGE_OFFSET_PCT) * 2.5, 2)
    if 96.0 < duty_pct <= 97.0:
        return MAX_CURRENT_A
    return 0.0


# IEC 61851-1 Table B.2: PP-PE resistor of the cable assembly -> its current
# capability. Nominal values are 1.5 kOhm (13 A), 680 Ohm (20 A), 220 Ohm (32 A)
# and 100 Ohm (63 A). The acceptance windows are our choice: they meet at the
# geometric mean of neighbouring nominals, and anything beyond them is invalid.
PP_WINDOWS: tuple[tuple[float, float, int], ...] = (
    (1010.0, 2700.0, 13),
    (387.0, 1010.0, 20),
    (148.0, 387.0, 32),
    (50.0, 148.0, 63),
)


class PPInvalid(ValueError):
    """The PP resistance is outside every window: a damaged or foreign plug."""


def cable_rating_a(pp_ohms: float | None) -> int | None:
    """Cable capability in amps, None for no plug; raises PPInvalid otherwise."""
    if pp_ohms is None:
        return None
    for low, high, amps in PP_WINDOWS:
        if low <= pp_ohms < high:
            return amps
    raise PPInvalid(f"PP resistance {pp_ohms:.0f} Ohm matches no cable rating")
