"""CP state -> what it means for the session (the second layer of the pilot).

The session machine is fed levels, not edges: every tick the connector asks
which of these hold and fires the matching trigger when the machine allows it.
A missed edge can therefore never leave the session out of step with the cable.
"""

from __future__ import annotations

from firmware.core.iec61851.pilot import CPState

PLUGGED = frozenset({CPState.B, CPState.C, CPState.D})
REQUESTING = frozenset({CPState.C, CPState.D})
PILOT_ERROR = frozenset({CPState.E, CPState.F, CPState.INVALID})


def triggers_for(cp: CPState) -> tuple[str, ...]:
    """Session triggers that the CP level asks for, in the order to try them."""
    if cp == CPState.A:
        return ("ev_unplugged",)
    if cp == CPState.B:
        return ("ev_plugged", "ev_pauses")
    if cp in REQUESTING:
        return ("ev_plugged", "ev_requests")
    return ()
