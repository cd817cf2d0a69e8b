"""The one place where every current limit meets: the offer is their minimum."""

from __future__ import annotations

from firmware.iec61851.pilot import MIN_CURRENT_A


def offered_current(*limits_a: float | None) -> float:
    """Minimum of the limits that apply (None = no limit from that source).

    Under 6 A nothing may be offered (IEC 61851-1 Table A.8), so the result is
    then 0 and the session waits in SuspendedEVSE until a limit rises.
    """
    applicable = [a for a in limits_a if a is not None]
    offer = min(applicable) if applicable else 0.0
    return offer if offer >= MIN_CURRENT_A else 0.0
