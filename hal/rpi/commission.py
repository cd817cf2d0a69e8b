"""`evse calibrate` on a Raspberry Pi board: the pilot detectors against the EVSE's own levels.

With nothing plugged the pilot is the EVSE's generator through R1 into an open
line, so the EVSE knows the true level: +12 V at 100 % duty and -12 V at 0 %
(IEC 61851-1 Table A.4 nominal generator levels). Two points per detector give
its gain and offset. A gain far from the board config's nominal means wrong
wiring or a wrong config, and nothing is stored.
"""

from __future__ import annotations

import statistics
import time

from hal.errors import HalError
from hal.rpi import calibration
from hal.rpi.pilot import LinearCal
from hal.types import CheckResult

GENERATOR_V = 12.0
SAMPLES = 20
SETTLE_S = 0.1
GAIN_TOLERANCE = 0.2  # +-20 % of nominal: resistor tolerances, not a wrong part
PLUGGED_BELOW_V = 10.5  # with nominal values, a high level under this is an EV's load


def calibrate(board, hal, data_dir, *, sleep=time.sleep) -> list[CheckResult]:
    rows, cals = [], {}
    for cid in sorted(hal.connectors):
        pilot = hal.connectors[cid].pilot
        where = f"connector {cid}"
        try:
            cal = _one(board, pilot, sleep)
        except (HalError, ValueError) as exc:
            rows.append(CheckResult(where, "pilot calibration", "FAIL", str(exc)))
            continue
        finally:
            pilot.set_pwm(100.0)
        cals[cid] = cal
        for role, c in cal.items():
            rows.append(CheckResult(where, f"CP {role} detector", "PASS",
                                    f"gain {c.gain:.4f} V/V, offset {c.offset_v:.3f} V"))
    if cals and len(cals) == len(hal.connectors):
        path = calibration.save(data_dir, board.name, cals)
        rows.append(CheckResult("station", "stored", "PASS", str(path)))
    else:
        rows.append(CheckResult("station", "stored", "FAIL", "nothing stored: fix the failures first"))
    return rows


def _one(board, pilot, sleep) -> dict[str, LinearCal]:
    if pilot.read_pp_ohms() is not None:
        raise ValueError("a cable is in the socket: remove it")
    plus = _measure(pilot, 100.0, sleep)
    nominal = LinearCal(board.rpi.cp_gain, board.rpi.cp_offset_v)
    if nominal.cp_volts(plus[0]) < PLUGGED_BELOW_V:
        raise ValueError(f"the pilot reads {nominal.cp_volts(plus[0]):+.1f} V at +12 V drive: "
                         "unplug the vehicle, or check the front end against rpi.cp_gain")
    minus = _measure(pilot, 0.0, sleep)
    cal = {}
    for index, role in enumerate(("high", "low")):
        c = LinearCal.from_points(GENERATOR_V, plus[index], -GENERATOR_V, minus[index])
        if abs(c.gain / nominal.gain - 1.0) > GAIN_TOLERANCE:
            raise ValueError(f"CP {role} detector: gain {c.gain:.4f} is not within {GAIN_TOLERANCE:.0%} "
                             f"of the board's {nominal.gain:.4f}: check the wiring and rpi.cp_gain")
        cal[role] = c
    return cal


def _measure(pilot, duty: float, sleep) -> tuple[float, float]:
    pilot.set_pwm(duty)
    sleep(SETTLE_S)
    reads = [pilot.read_raw() for _ in range(SAMPLES)]
    return statistics.fmean(r[0] for r in reads), statistics.fmean(r[1] for r in reads)
