"""The one place where every current limit meets: the offer is their minimum."""

from __future__ import annotations

from firmware.core.iec61851.pilot import MIN_CURRENT_A


def offered_current(*limits_a: float | None) -> float:
    """Minimum of the limits that apply (None = no limit from that source).

    Under 6 A nothing may be offered (IEC 61851-1 Table A.8), so the result is
    then 0 and the session waits in SuspendedEVSE until a limit rises.
    """
    applicable = [a for a in limits_a if a is not None]
    offer = min(applicable) if applicable else 0.0
    return offer if offer >= MIN_CURRENT_A else 0.0


def temperature_limit(temp_c: float | None, board, full_a: float) -> float | None:
    """Derating before the over-temperature trip: full current up to
    `derate_from_c`, then falling linearly to 6 A at `max_temperature_c`, where
    the trip takes over. None (no limit) while cool or when unknown (a failed
    sensor is a fault of its own)."""
    if temp_c is None or temp_c <= board.derate_from_c:
        return None
    span = board.max_temperature_c - board.derate_from_c
    share = max(0.0, (board.max_temperature_c - temp_c) / span) if span > 0 else 0.0
    return MIN_CURRENT_A + share * max(0.0, full_a - MIN_CURRENT_A)
