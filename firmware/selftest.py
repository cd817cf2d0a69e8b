"""`evse selftest`: what a technician runs after wiring a charger, nothing plugged.

Each check drives a real output and reads back its own feedback: the pilot at
+12 V, at -12 V (state F) and oscillating (both detectors), the contactor
closing and opening against its auxiliary contact, the RCD through its test
input, the lock against its switch, then the charger-wide inputs, the
temperature and the meters; on a DC connector the power modules and the
insulation monitor's self test instead of the RCD. A plugged vehicle or cable stops that connector's
checks before any contactor moves. Runs over hal.interfaces only, so the same
procedure checks the bench and a real board.
"""

from __future__ import annotations

import time

from firmware.core.iec61851.pilot import DUTY_NO_PWM, DUTY_STATE_F, CPState, classify
from hal.errors import HalError
from hal.types import CheckResult

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
SETTLE_S = 0.05  # the peak detectors follow a level change within a few PWM periods
PLAUSIBLE_C = (-30.0, 70.0)
RCD_RESET_S = 3.0
TEST_DUTY = 50.0
IMD_SELF_TEST_S = 20.0  # an isoCHA's self test takes seconds; the margin is the bus's


class SelfTest:
    def __init__(self, board, hal, *, sleep=time.sleep, clock=time.monotonic):
        self.board = board
        self.hal = hal
        self.sleep = sleep
        self.clock = clock
        self.rows: list[CheckResult] = []

    def run(self) -> list[CheckResult]:
        self._station()
        for cid in sorted(self.hal.connectors):
            try:
                self._connector(cid, self.hal.connectors[cid])
            except HalError as exc:
                self._row(cid, "hardware", FAIL, str(exc))
            finally:
                self.hal.connectors[cid].contactor.open()
                self._safe(lambda: self.hal.connectors[cid].pilot.set_pwm(DUTY_NO_PWM))
        return self.rows

    def _row(self, where, check: str, result: str, detail: str = "") -> None:
        label = where if isinstance(where, str) else f"connector {where}"
        self.rows.append(CheckResult(label, check, result, detail))

    @staticmethod
    def _safe(action) -> None:
        try:
            action()
        except HalError:
            pass

    def _wait(self, predicate, timeout_s: float) -> float | None:
        """Seconds until predicate() held, or None when it did not within timeout_s."""
        start = self.clock()
        while True:
            if predicate():
                return self.clock() - start
            if self.clock() - start > timeout_s:
                return None
            self.sleep(0.005)

    # ---- the whole charger ----------------------------------------------------
    def _station(self) -> None:
        for name, device in (("e-stop released", self.hal.estop), ("supply present", self.hal.power_fail),
                             ("enclosure closed", self.hal.tamper)):
            if device is None:
                self._row("station", name, SKIP, "not wired on this board")
            else:
                self._row("station", name, FAIL if device.active() else PASS, "input tripped" if device.active() else "")
        try:
            celsius = self.hal.temperature.read_c()
            ok = PLAUSIBLE_C[0] <= celsius <= PLAUSIBLE_C[1]
            self._row("station", "temperature", PASS if ok else FAIL, f"{celsius:.1f} degC")
        except HalError as exc:
            self._row("station", "temperature", FAIL, str(exc))
        try:
            self.hal.reader.poll()
            self._row("station", "card reader", PASS)
        except HalError as exc:
            self._row("station", "card reader", FAIL, str(exc))

    # ---- one connector -------------------------------------------------------------
    def _connector(self, cid: int, conn) -> None:
        if not self._no_vehicle(cid, conn):
            return
        self._pilot_level(cid, conn, DUTY_STATE_F, "pilot -12 V (state F)", CPState.F)
        self._pilot_level(cid, conn, DUTY_NO_PWM, "pilot +12 V (state A)", CPState.A)
        self._pilot_oscillating(cid, conn)
        pp = conn.pilot.read_pp_ohms()
        if pp is not None:  # its loose vehicle end would be live
            self._row(cid, "contactor", SKIP, f"a cable is in the socket ({pp:.0f} Ohm): not cycled; remove it")
        elif (rcd := getattr(conn, "rcd", None)) is not None and rcd.active() or self.hal.estop.active():
            self._row(cid, "contactor", SKIP, "RCD or e-stop tripped: the contactor stays open")
        else:
            self._contactor(cid, conn.contactor)
        if getattr(conn, "stack", None) is not None:
            self._dc(cid, conn)  # a DC connector: its modules and insulation monitor instead of an RCD
        else:
            self._rcd(cid, conn.rcd)
        self._lock(cid, conn.lock)
        self._meter(cid, conn.meter)

    def _dc(self, cid: int, conn) -> None:
        """The power modules answer without a fault; the insulation monitor passes its own self test
        with its alarm relay closed (IEC 61557-8 devices test their measuring circuit on command)."""
        try:
            reading = conn.stack.read()
            faults = ", ".join(sorted(reading.faults))
            self._row(cid, "power modules", FAIL if faults else PASS, faults or f"answering, {reading.voltage_v:.0f} V")
        except HalError as exc:
            self._row(cid, "power modules", FAIL, str(exc))
        if conn.isolation_alarm.active():
            self._row(cid, "insulation monitor", FAIL, "its alarm relay is open before any test")
            return
        try:
            conn.isolation.self_test()
            self._wait(lambda: conn.isolation.read().self_test is not None, IMD_SELF_TEST_S)
            passed = conn.isolation.read().self_test
        except HalError as exc:
            self._row(cid, "insulation monitor", FAIL, str(exc))
            return
        self._row(cid, "insulation monitor self test", PASS if passed else FAIL,
                  "" if passed else "failed" if passed is False else f"no result within {IMD_SELF_TEST_S:.0f} s")

    def _no_vehicle(self, cid: int, conn) -> bool:
        conn.pilot.set_pwm(DUTY_NO_PWM)
        self.sleep(SETTLE_S)
        cp = classify(conn.pilot.read_pilot().high_v)
        if cp in (CPState.B, CPState.C, CPState.D):
            self._row(cid, "no vehicle", FAIL, f"a vehicle is connected (state {cp.value}): unplug it")
            return False
        self._row(cid, "no vehicle", PASS)
        return True

    def _pilot_level(self, cid: int, conn, duty: float, name: str, expected: CPState) -> None:
        conn.pilot.set_pwm(duty)
        self.sleep(SETTLE_S)
        volts = conn.pilot.read_pilot().high_v
        ok = classify(volts) == expected
        self._row(cid, name, PASS if ok else FAIL, f"{volts:+.2f} V" + ("" if ok else f", expected state {expected.value}"))

    def _pilot_oscillating(self, cid: int, conn) -> None:
        conn.pilot.set_pwm(TEST_DUTY)
        self.sleep(SETTLE_S)
        sample = conn.pilot.read_pilot()
        conn.pilot.set_pwm(DUTY_NO_PWM)
        ok = classify(sample.high_v) == CPState.A and sample.low_v is not None and sample.low_v <= -11.0
        low = "none" if sample.low_v is None else f"{sample.low_v:+.2f} V"
        self._row(cid, "pilot 1 kHz, both detectors", PASS if ok else FAIL, f"high {sample.high_v:+.2f} V, low {low}")

    def _contactor(self, cid: int, contactor) -> None:
        if contactor.feedback_closed():
            self._row(cid, "contactor opens", FAIL, "auxiliary contact closed while open: welded?")
            return
        contactor.close()
        took = self._wait(contactor.feedback_closed, self.board.close_detect_s)
        contactor.open()
        if took is None:
            self._row(cid, "contactor closes", FAIL, f"no feedback within {self.board.close_detect_s * 1000:.0f} ms")
            return
        self._row(cid, "contactor closes", PASS, f"{took * 1000:.0f} ms")
        took = self._wait(lambda: not contactor.feedback_closed(), self.board.weld_detect_s)
        self._row(cid, "contactor opens", PASS if took is not None else FAIL,
                  f"{took * 1000:.0f} ms" if took is not None else "still closed: welded?")

    def _rcd(self, cid: int, rcd) -> None:
        if not getattr(rcd, "testable", False):
            self._row(cid, "RCD test", SKIP, "no test input wired")
            return
        if rcd.active():
            self._row(cid, "RCD test", FAIL, "tripped before the test")
            return
        rcd.press_test(True)
        took = self._wait(rcd.active, 0.5)
        rcd.press_test(False)
        if took is None:
            self._row(cid, "RCD test", FAIL, "did not trip on its test current")
            return
        reset = self._wait(lambda: not rcd.active(), RCD_RESET_S)
        self._row(cid, "RCD test", PASS if reset is not None else FAIL,
                  f"tripped in {took * 1000:.0f} ms" + ("" if reset is not None else ", did not reset"))

    def _lock(self, cid: int, lock) -> None:
        if lock is None:
            self._row(cid, "lock", SKIP, "no lock on this connector")
            return
        lock.lock()
        took = self._wait(lock.is_locked, self.board.lock_detect_s)
        lock.unlock()
        released = self._wait(lambda: not lock.is_locked(), self.board.lock_detect_s)
        if took is None or released is None:
            self._row(cid, "lock", FAIL, "did not lock" if took is None else "did not unlock")
        else:
            self._row(cid, "lock", PASS, f"locked in {took * 1000:.0f} ms")

    def _meter(self, cid: int, meter) -> None:
        try:
            reading = meter.read()
            self._row(cid, "meter", PASS, f"{reading.energy_wh / 1000:.3f} kWh")
        except HalError as exc:
            self._row(cid, "meter", FAIL, str(exc))


def format_table(rows: list[CheckResult]) -> str:
    widths = [max(len(getattr(r, f)) for r in rows + [CheckResult("where", "check", "result", "detail")])
              for f in ("where", "check", "result")]
    lines = [f"{'where':<{widths[0]}}  {'check':<{widths[1]}}  {'result':<{widths[2]}}  detail"]
    for r in rows:
        lines.append(f"{r.where:<{widths[0]}}  {r.check:<{widths[1]}}  {r.result:<{widths[2]}}  {r.detail}")
    failed = sum(r.result == FAIL for r in rows)
    lines.append(f"{len(rows)} checks, {failed} failed" + ("" if failed else ": all good"))
    return "\n".join(lines)
