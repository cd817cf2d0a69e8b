"""A DC session with the EV talking (iso15118 SECC and EVCC in .venv-hlc on a veth pair in a network
namespace, the power path and the bench's DC bus in this process): the time from the EV's link
starting (the plug) to current flowing, and the EV's current-demand loop period (ISO 15118-20: its
DC_ChargeLoop) with the car sending each request as soon as it has the last answer (no pause: the
period is the round trip through both codecs, the link and the SECC) and the longest gap between two
requests in 10 s, in ISO 15118-2, ISO 15118-20 DC (Scheduled and Dynamic control) and DIN SPEC 70121. Needs what the test command installs
(.venv-hlc, a Java runtime, iproute2) and the right to make a network namespace. Prints JSON lines
in the DESIGN.md format.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from hal.mock.dc import Battery  # noqa: E402
from hlc_bench import HlcBench  # noqa: E402


class Gaps:
    """The longest wait between two of the EV's requests, seen from the controller's side at the bench's
    tick (20 ms): what the EV's patience (0.25 s in the norm) has to cover at worst."""

    def __init__(self, cycles):
        self.cycles = cycles
        self.last = (cycles(), time.monotonic())
        self.longest = 0.0

    def watch(self) -> bool:
        now, count = time.monotonic(), self.cycles()
        if count != self.last[0]:
            self.longest = max(self.longest, now - self.last[1])
            self.last = (count, now)
        return False


async def one(protocol: str, control_mode: str = "scheduled") -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        bench = HlcBench(Path(tmp), protocol, Battery(capacity_kwh=60.0, soc_pct=30.0), stop_at_pct=101.0,
                         control_mode=control_mode, demand_pause_s=0.0)
        began = time.monotonic()
        await bench.bridge.start()
        try:
            if not await bench.run(lambda: bench.dc.current_a > 1.0, 120):
                raise RuntimeError(f"{protocol}: no current: {bench.states} {bench.path.status()}")
            plug_to_current = time.monotonic() - began
            first, first_at = bench.bridge.cycles, bench.bridge.cycle_at
            gaps = Gaps(lambda: bench.bridge.cycles)
            await bench.run(gaps.watch, 10)
            period_ms = (bench.bridge.cycle_at - first_at) / max(1, bench.bridge.cycles - first) * 1000
        finally:
            await bench.bridge.stop()
    variant = protocol.lower() + ("_dynamic" if control_mode == "dynamic" else "")
    return [{"benchmark": "dc_session", "variant": variant, "metric": "plug_to_current_s",
             "value": round(plug_to_current, 2), "better": "lower"},
            {"benchmark": "dc_session", "variant": variant, "metric": "current_demand_period_ms",
             "value": round(period_ms, 1), "better": "lower"},
            {"benchmark": "dc_session", "variant": variant, "metric": "longest_demand_gap_ms",
             "value": round(gaps.longest * 1000, 1), "better": "lower"}]


def main() -> int:
    lines = []
    for protocol, mode in (("ISO_15118_2", "scheduled"), ("ISO_15118_20_DC", "scheduled"),
                           ("ISO_15118_20_DC", "dynamic"), ("DIN_SPEC_70121", "scheduled")):
        lines += asyncio.run(one(protocol, mode))
    for line in lines:
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
