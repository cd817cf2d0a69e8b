"""Safety supervisor of one connector: which faults are active right now.

It only reads inputs that are cheap and local (pilot levels already sampled,
RCD, e-stop, power-fail, temperature, the contactor's auxiliary contact, the
latest meter reading already in memory): no network, no disk, no Modbus, no
lock shared with those. The conditions it sees go through the recovery rules
of firmware.core.faults (FaultLatch); the connector opens the contactor on any
active trip in the same tick, before anything else happens. No flag disables it.
"""

from __future__ import annotations

from firmware.core.iec61851.cp_events import PILOT_ERROR, PLUGGED
from firmware.core.iec61851.pilot import CPState
from firmware.core.recovery import FaultLatch
from hal.errors import HalError

RCD = "rcd"
ESTOP = "estop"
POWER_FAIL = "power_fail"
OVERTEMP = "overtemp"
TEMP_SENSOR = "temp_sensor"
PILOT_ADC = "pilot_adc"
DIODE = "diode"
PILOT_SHORT = "pilot_short"  # state E: CP shorted to PE
PILOT_INVALID = "pilot_invalid"  # state F or a level between bands
PP_INVALID = "pp_invalid"
WELD = "weld"
STUCK_OPEN = "contactor_stuck_open"
OVERCURRENT = "overcurrent"
OVER_VOLTAGE = "over_voltage"
UNDER_VOLTAGE = "under_voltage"
LOCK_FAILURE = "lock_failure"
TICK_STALL = "tick_stall"

# A pilot error must persist this long to become a fault (a level sampled on a
# PWM edge is not a fault). The contactor does not wait for it: it opens as
# soon as the EV stops being in C/D.
PILOT_ERROR_HOLD_S = 0.06

# IEC 61851-1 Table A.6 (sequence 9.2): an EV has 5 s to follow a lower duty.
# Current above the offer plus a measuring tolerance for that long is over-current.
OVERCURRENT_GRACE_S = 5.0
OVERCURRENT_TOLERANCE_LOW_A = 2.0  # offers up to 20 A: +2 A
OVERCURRENT_TOLERANCE_HIGH = 0.10  # offers above 20 A: +10 %


def overcurrent_allowance(offered_a: float) -> float:
    if offered_a <= 20.0:
        return offered_a + OVERCURRENT_TOLERANCE_LOW_A
    return offered_a * (1.0 + OVERCURRENT_TOLERANCE_HIGH)


class OncePerTick:
    """The charger's one temperature sensor, read once per tick however many
    connectors ask (an NTC costs an ADC transfer); its failure is theirs alike."""

    def __init__(self, sensor):
        self._sensor = sensor
        self._now: float | None = None
        self._value: float | None = None
        self._error: HalError | None = None

    def read_c(self, now: float) -> float:
        if now != self._now:
            self._now = now
            try:
                self._value, self._error = self._sensor.read_c(), None
            except HalError as exc:
                self._value, self._error = None, exc
        if self._error is not None:
            raise self._error
        return self._value


class SafetySupervisor:
    def __init__(self, connector_id, contactor, rcd, estop, temperature: OncePerTick, board, power_fail=None):
        self._contactor = contactor
        self._rcd = rcd
        self._estop = estop
        self._power_fail = power_fail
        self._temperature = temperature
        self._board = board
        self.latch = FaultLatch(
            connector_id,
            retry_s={RCD: board.rcd_retry_s, OVERCURRENT: board.overcurrent_retry_s},
            retry_limit=board.retry_limit,
        )
        self.temperature_c: float | None = None
        self._commanded_closed = False
        self._commanded_at = 0.0
        self._pilot_error_since: float | None = None
        self.feedback_closed = False  # the auxiliary contact as this tick's check read it
        self._over_since: float | None = None
        self._offer = 0.0
        self._offer_changed_at = 0.0
        self.faults: frozenset[str] = frozenset()

    def commanded(self, closed: bool, now: float) -> None:
        if closed != self._commanded_closed:
            self._commanded_closed = closed
            self._commanded_at = now

    def check(self, cp: CPState, diode_ok: bool, pp_invalid: bool, now: float, *,
              own_state_f: bool = False, adc_failed: bool = False, unplugged: bool = False,
              reading=None, offered_a: float = 0.0, lock_failed: bool = False,
              tick_stalled: bool = False, seen_elsewhere: frozenset[str] = frozenset()) -> frozenset[str]:
        """Active faults. `own_state_f`: the pilot shows our own -12 V, so it says nothing about the EV.
        `seen_elsewhere`: conditions another part of the tick found (a DC power path's trip), given the
        same recovery rules."""
        seen = self._inputs(now) | seen_elsewhere
        if adc_failed:
            seen.add(PILOT_ADC)
        elif not own_state_f:
            seen |= self._pilot(cp, diode_ok, pp_invalid, now)
        seen |= self._supply(reading, offered_a, now)
        if lock_failed:
            seen.add(LOCK_FAILURE)
        if tick_stalled:
            seen.add(TICK_STALL)
        self.faults = self.latch.update(seen, now, unplugged)
        return self.faults

    def next_due(self) -> float | None:
        """When a time-based check (contactor feedback, pilot error hold) falls due,
        so the control loop wakes then instead of at its next periodic tick."""
        dues = []
        if self._commanded_closed:
            dues.append(self._commanded_at + self._board.close_detect_s)
        else:
            dues.append(self._commanded_at + self._board.weld_detect_s)
        if self._pilot_error_since is not None:
            dues.append(self._pilot_error_since + PILOT_ERROR_HOLD_S)
        return min(dues)

    # ---- inputs owned by the supervisor ------------------------------------
    def _inputs(self, now: float) -> set[str]:
        seen = set()
        if self._rcd.active():
            seen.add(RCD)
        if self._estop.active():
            seen.add(ESTOP)
        if self._power_fail is not None and self._power_fail.active():
            seen.add(POWER_FAIL)
        seen |= self._temperature_check(now)
        seen |= self._contactor_check(now)
        return seen

    def _temperature_check(self, now: float) -> set[str]:
        try:
            self.temperature_c = self._temperature.read_c(now)
        except HalError:
            self.temperature_c = None
            return {TEMP_SENSOR}
        limit = self._board.max_temperature_c
        if OVERTEMP in self.faults:
            limit -= self._board.temp_hysteresis_c  # cool down well below the trip point first
        return {OVERTEMP} if self.temperature_c >= limit else set()

    def _contactor_check(self, now: float) -> set[str]:
        closed = self.feedback_closed = self._contactor.feedback_closed()
        waited = now - self._commanded_at
        if not self._commanded_closed and closed and waited >= self._board.weld_detect_s:
            return {WELD}
        if self._commanded_closed and not closed and waited >= self._board.close_detect_s:
            return {STUCK_OPEN}
        return set()

    # ---- pilot ---------------------------------------------------------------
    def _pilot(self, cp: CPState, diode_ok: bool, pp_invalid: bool, now: float) -> set[str]:
        seen = set()
        if cp in PLUGGED and not diode_ok:
            seen.add(DIODE)
        if pp_invalid and cp in PLUGGED:
            seen.add(PP_INVALID)
        if cp not in PILOT_ERROR:
            self._pilot_error_since = None
            return seen
        if self._pilot_error_since is None:
            self._pilot_error_since = now
        if now - self._pilot_error_since >= PILOT_ERROR_HOLD_S:
            seen.add(PILOT_SHORT if cp == CPState.E else PILOT_INVALID)
        return seen

    # ---- supply, from the latest meter reading --------------------------------
    def _supply(self, reading, offered_a: float, now: float) -> set[str]:
        if offered_a != self._offer:
            self._offer, self._offer_changed_at = offered_a, now
        if reading is None:
            self._over_since = None
            return set()
        seen = self._voltage(reading.voltages_v[: self._board.phases])
        if reading.taken_at < self._offer_changed_at:
            return seen  # taken under the previous offer: says nothing about this one
        over = offered_a > 0 and any(a > overcurrent_allowance(offered_a) for a in reading.currents_a)
        if not over:
            self._over_since = None
        elif self._over_since is None:
            self._over_since = reading.taken_at
        elif reading.taken_at - self._over_since >= OVERCURRENT_GRACE_S:
            seen.add(OVERCURRENT)
        return seen

    def _voltage(self, volts) -> set[str]:
        nominal = self._board.voltage_v
        seen = set()
        if volts and max(volts) > nominal * (1 + self._board.over_voltage_pct / 100):
            seen.add(OVER_VOLTAGE)
        if volts and min(volts) < nominal * (1 - self._board.under_voltage_pct / 100):
            seen.add(UNDER_VOLTAGE)
        return seen
