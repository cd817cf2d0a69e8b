"""Safety supervisor of one connector: which trips are active right now.

It only reads inputs that are cheap and local (pilot levels already sampled,
RCD, e-stop, temperature, the contactor's auxiliary contact): no network, no
disk, no Modbus, no lock shared with those. The connector opens the contactor
on any trip in the same tick, before anything else happens. No flag disables it.
"""

from __future__ import annotations

from firmware.iec61851.cp_events import PILOT_ERROR, PLUGGED
from firmware.iec61851.pilot import CPState

RCD = "rcd"
ESTOP = "estop"
OVERTEMP = "overtemp"
DIODE = "diode"
PILOT_SHORT = "pilot_short"  # state E: CP shorted to PE
PILOT_INVALID = "pilot_invalid"  # state F or a level between bands
PP_INVALID = "pp_invalid"
WELD = "weld"
STUCK_OPEN = "contactor_stuck_open"


# A pilot error must persist this long to become a fault (a level sampled on a
# PWM edge is not a fault). The contactor does not wait for it: it opens as
# soon as the EV stops being in C/D.
PILOT_ERROR_HOLD_S = 0.06


class SafetySupervisor:
    def __init__(self, contactor, rcd, estop, temperature, *, max_temp_c, weld_s, close_s):
        self._contactor = contactor
        self._rcd = rcd
        self._estop = estop
        self._temperature = temperature
        self._max_temp_c = max_temp_c
        self._weld_s = weld_s
        self._close_s = close_s
        self._latched: set[str] = set()  # WELD, STUCK_OPEN: cleared only by a restart (issue 7: reset rules)
        self._commanded_closed = False
        self._commanded_at = 0.0
        self._pilot_error_since: float | None = None

    def commanded(self, closed: bool, now: float) -> None:
        if closed != self._commanded_closed:
            self._commanded_closed = closed
            self._commanded_at = now

    def check(self, cp: CPState, diode_ok: bool, pp_invalid: bool, now: float) -> frozenset[str]:
        trips = set()
        if self._rcd.active():
            trips.add(RCD)
        if self._estop.active():
            trips.add(ESTOP)
        if self._temperature.read_c() >= self._max_temp_c:
            trips.add(OVERTEMP)
        if cp in PLUGGED and not diode_ok:
            trips.add(DIODE)
        if pp_invalid and cp in PLUGGED:
            trips.add(PP_INVALID)
        trips |= self._pilot_trip(cp, now)
        self._check_contactor(now)
        return frozenset(trips | self._latched)

    def _pilot_trip(self, cp: CPState, now: float) -> set[str]:
        if cp not in PILOT_ERROR:
            self._pilot_error_since = None
            return set()
        if self._pilot_error_since is None:
            self._pilot_error_since = now
        if now - self._pilot_error_since < PILOT_ERROR_HOLD_S:
            return set()
        return {PILOT_SHORT if cp == CPState.E else PILOT_INVALID}

    def _check_contactor(self, now: float) -> None:
        closed = self._contactor.feedback_closed()
        waited = now - self._commanded_at
        if not self._commanded_closed and closed and waited >= self._weld_s:
            self._latched.add(WELD)
        elif self._commanded_closed and not closed and waited >= self._close_s:
            self._latched.add(STUCK_OPEN)
