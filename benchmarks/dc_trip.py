"""DC trips: a module fault and an EV emergency stop, to the modules' output switched off.

The DC power path ticks every 20 ms in its own thread, as the safety loop does, over two UUGreen
modules on python-can's virtual bus (simulated modules answering as the real ones, driving the
bench's DC bus), charging a battery. Each event is timed from the moment it exists (the module
reports the fault bit; the EV's error arrives in the request) to the moment the simulated modules
have received the off frame, so the figure holds the CAN poll (50 ms), the tick and the frame.
Also timed: the current-demand follow, a new EV target current to the stack's output at it. Prints
JSON lines in the DESIGN.md format. IEC 61851-23 expects the output down within about a second
of a fault; our goal is 200 ms.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dc_rig import EvEcu  # noqa: E402
from firmware.dc.power_path import CHARGING, FAULT, DcPowerPath  # noqa: E402
from hal.mock.dc import Battery, DcBus  # noqa: E402
from hal.mock.dc_can import dc_connector_over_can  # noqa: E402

GOAL_MS = 200.0
TICK_S = 0.02
channels = itertools.count()


class Rig:
    def __init__(self):
        self.dc = DcBus(battery=Battery(capacity_kwh=500.0, soc_pct=30.0))
        hal, self.sim, self.link = dc_connector_over_can(self.dc, f"bench-dc-{next(channels)}")
        self.ev = EvEcu(self.dc.battery, stop_at_soc=101.0)
        self.path = DcPowerPath(1, hal, limit_a=lambda now: float("inf"), ev_ready=self.ev.s2_closed)
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while self.running:
            with self.lock:
                now = time.monotonic()
                self.dc.step(now)
                self.ev.step(now, self.path, self.dc)
                self.path.tick(now, self.ev.request)
            time.sleep(TICK_S)

    def wait(self, predicate, seconds: float) -> float | None:
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            if predicate():
                return (time.perf_counter() - began) * 1000
            time.sleep(0.0005)
        return None

    def close(self) -> None:
        self.running = False
        self.thread.join(1)
        self.link.close()
        self.sim.close()


def modules_off(rig: Rig) -> bool:
    return not any(m.is_on for m in rig.sim.modules.values())


def one_trip(kind: str) -> float:
    rig = Rig()
    try:
        if rig.wait(lambda: rig.path.state == CHARGING and rig.dc.current_a > 50, 60) is None:
            raise RuntimeError(f"no charging: {rig.path.status()}")
        time.sleep(random.uniform(0.0, 0.2))  # at any moment of the poll and tick cycles
        if kind == "module_fault":
            rig.dc.module_faults[2] = {"DC-DC failed"}  # the module's status bit, from now on
        else:
            rig.ev.request.error = "FAILED_EmergencyEvent"
        ms = rig.wait(lambda: modules_off(rig), 5)
        assert rig.path.state == FAULT, rig.path.status()
        return ms
    finally:
        rig.close()


def follow() -> list[float]:
    rig = Rig()
    try:
        rig.wait(lambda: rig.path.state == CHARGING and rig.dc.current_a > 50, 60)
        times = []
        for amps in (20.0, 50.0) * 5:
            rig.ev.battery.max_current_a = amps  # the EV asks for this from its next cycle on
            ms = rig.wait(lambda: abs(rig.dc.current_a - amps) < 1.0, 5)
            times.append(ms)
        return times
    finally:
        rig.close()


def figures(name: str, samples: list[float]) -> list[dict]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return [{"benchmark": "dc_trip", "metric": f"{name}_p50_ms", "value": round(statistics.median(ordered), 1),
             "better": "lower"},
            {"benchmark": "dc_trip", "metric": f"{name}_p99_ms", "value": round(p99, 1), "goal": GOAL_MS,
             "better": "lower"},
            {"benchmark": "dc_trip", "metric": f"{name}_max_ms", "value": round(ordered[-1], 1), "better": "lower"}]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    lines = []
    for kind in ("module_fault", "ev_emergency_stop"):
        lines += figures(kind, [one_trip(kind) for _ in range(args.trials)])
    lines += figures("current_follow", follow())
    for line in lines:
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
