"""Reaction time: a fault appearing to the contactor-open call, under OCPP load.

The controller runs in this process on the mock bench; a separate CSMS
process floods its OCPP side (GetConfiguration stream plus 10,000-entry
SendLocalList frames). A driver thread makes a session charge, then makes one
trip source appear and times until MockContactor.open() is called. Every trip
source of the fault matrix that can open a closed contactor is measured:

- inputs, timed from the flip: EV C->B, pilot short (E), diode lost, PP
  invalid, pilot ADC failing, RCD, e-stop, power-fail, over-temperature,
  temperature sensor lost;
- the contactor not closing: timed from the moment it is due (close_detect_s
  after the close command);
- from the meter (over- and under-voltage, over-current after its 5 s grace):
  timed from the meter reading that makes the fault due, since the meter poll
  (metering.poll_s) and the norm's grace are waits by design, not reaction;
- a stalled tick (the pilot ADC driver hangs, `adc_hang`): timed from the last
  completed tick to the tick guard's open call, reported apart as `stall_ms`
  (goal 100 ms: the guard waits STALL_TICKS periods by design).

Retry waits are set to zero and latched faults cleared between events (as a
restart would), so the loop measures trips, not waits. Prints JSON lines in the
DESIGN.md format.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from firmware.app import Controller  # noqa: E402
from firmware.config import load_board  # noqa: E402
from firmware.settings import RuntimeSettings  # noqa: E402
from tests.controller import free_port  # noqa: E402

# source -> (bench switch, station-wide?, recovery: "release" | "unplug" | "clear")
INPUTS = {
    "C->B": (None, False, "release"),
    "C->E": ("pilot_short", False, "release"),
    "diode": ("diode", False, "unplug"),
    "pp_invalid": ("pp_invalid", False, "unplug"),
    "adc": ("adc", False, "release"),
    "rcd": ("rcd", False, "release"),
    "estop": ("estop", True, "release"),
    "power_fail": ("power_fail", True, "release"),
    "overtemp": ("overtemp", True, "release"),
    "temp_sensor": ("temp_sensor", True, "release"),
}
DUE = {"stuck_open": ("stuck_open", False, "clear")}
METER = {
    "over_voltage": ("over_voltage", False, "release"),
    "under_voltage": ("under_voltage", False, "release"),
    "overcurrent": ("overcurrent", False, "release"),
}
STALL = {"stall": ("adc_hang", False, "release")}
SLOW_EVENTS = {"stuck_open": 20, "over_voltage": 10, "under_voltage": 10, "overcurrent": 4, "stall": 20}
GOAL_P99_MS, GOAL_MAX_MS = 5.0, 20.0
GOAL_STALL_MS = 100.0
SOURCES = {**INPUTS, **DUE, **METER, **STALL}


class Driver:
    def __init__(self, controller: Controller, cid: int = 1):
        self.c = controller
        self.cid = cid
        self.wire = controller.hal.bench.connectors[cid]
        self.bench = controller.hal.bench
        self.conn = controller.station.connectors[cid]
        self.contactor = controller.hal.connectors[cid].contactor
        self.opened = threading.Event()
        self.closed_at = 0.0
        self.tick_at_open = 0.0  # the control loop's last completed tick when open() was called
        self.last = None
        self.readings: list[float] = []  # when each reading of this connector reached the metering
        original_open, original_close = self.contactor.open, self.contactor.close

        loop = controller.station.loop

        def open_and_signal():
            self.tick_at_open = loop.last_tick
            original_open()
            self.opened.set()

        def close_and_stamp():
            self.closed_at = time.perf_counter()
            original_close()

        self.contactor.open, self.contactor.close = open_and_signal, close_and_stamp
        accept = controller.metering._accept

        def accept_and_stamp(mcid, reading):
            if mcid == cid:  # stamped before the control loop is woken with it
                self.readings.append(time.perf_counter())
                del self.readings[:-50]
            accept(mcid, reading)

        controller.metering._accept = accept_and_stamp

    def wait(self, predicate, timeout=15.0) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise TimeoutError(f"bench stuck after {self.last}: state {self.conn.state}, cp {self.conn.cp}, "
                                   f"trips {self.conn.trips}, ev {self.wire.ev}")
            time.sleep(0.001)

    def charge(self) -> None:
        """Bring the connector to Charging with the contactor closed."""
        if self.conn.state != "charging":
            if self.conn.session is None:
                self.wire.set_ev(state="B")
                self.wait(lambda: self.conn.state in ("preparing", "finishing"))
                self.c.station.loop.call(lambda now: self.conn.grant("BENCH", now)).result(5)
            self.wire.set_ev(state="C")
        self.wait(lambda: self.wire.contactor_cmd and self.conn.state == "charging")
        time.sleep(0.002)

    def flip(self, source: str, on: bool) -> None:
        switch, station_wide, _ = SOURCES[source]
        if switch is None:
            self.wire.set_ev(state="B" if on else "C")
        else:
            self.bench.set_fault(0 if station_wide else self.cid, switch, on)

    def one(self, source: str) -> float:
        self.charge()
        self.last = source
        self.opened.clear()
        start = time.perf_counter()
        self.flip(source, True)
        if not self.opened.wait(15.0):
            raise TimeoutError(f"{source}: contactor never opened")
        if source in DUE:
            start = max(start, self.closed_at + self.c.board.close_detect_s)
        elif source in METER:  # the last reading before the trip (the session's stop read comes after)
            start = max(t for t in self.readings if t <= self.contactor.last_open_call)
        elif source in STALL:  # monotonic and perf_counter are one clock (CLOCK_MONOTONIC) on Linux
            start = self.tick_at_open
        latency_ms = (self.contactor.last_open_call - start) * 1000.0
        self.recover(source)
        return latency_ms

    def recover(self, source: str) -> None:
        if source in STALL:  # the tick hangs until the driver answers again; then tick_stall ends the session
            self.flip(source, False)
        if source != "C->B":  # the tick that opened the contactor may still be finishing: the trip ends the session
            self.wait(lambda: self.conn.session is None)
        self.flip(source, False)
        recovery = SOURCES[source][2]
        if recovery == "unplug":
            self.wire.set_ev(state="A")
        elif recovery == "clear":
            self.c.station.loop.call(lambda now: self.conn.safety.latch.active.clear()).result(5)
        if source != "C->B":
            self.wait(lambda: self.conn.state != "faulted")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def figures(name: str, values: list[float]) -> list[dict]:
    out = []
    for metric, value, goal in (
        ("p50_ms", statistics.median(values), None),
        ("p99_ms", percentile(values, 99), GOAL_P99_MS),
        ("max_ms", max(values), GOAL_MAX_MS),
    ):
        line = {"benchmark": "reaction", "metric": metric, "value": round(value, 3), "better": "lower"}
        if name != "all":
            line["source"] = name
        if goal is not None:
            line["goal"] = goal
        out.append(line)
    return out


async def run(events: int) -> list[dict]:
    port = free_port()
    load = subprocess.Popen([sys.executable, str(ROOT / "benchmarks/load_csms.py"), "--port", str(port)],
                            stdout=subprocess.PIPE, text=True)
    try:
        load.stdout.readline()  # "ready"
        board = dataclasses.replace(load_board(ROOT / "board-configs/bench.toml"),
                                    rcd_retry_s=0.0, overcurrent_retry_s=0.0, retry_limit=10**9)
        with tempfile.TemporaryDirectory() as data:
            settings = RuntimeSettings(f"ws://127.0.0.1:{port}/ocpp", "BENCH", "1.6", 0, None, None, None, None)
            controller = Controller(board, settings, data, None)
            task = asyncio.create_task(controller.run())
            while not controller.adapter.accepted:
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # let the flood start
            per_source = {s: [] for s in SOURCES}
            driver = Driver(controller)

            def drive():
                for i in range(events):
                    source = list(INPUTS)[i % len(INPUTS)]
                    per_source[source].append(driver.one(source))
                for source, count in SLOW_EVENTS.items():
                    for _ in range(max(1, count * events // 1000)):
                        per_source[source].append(driver.one(source))

            started = time.monotonic()
            await asyncio.to_thread(drive)
            elapsed = time.monotonic() - started
            controller.request_exit()
            await task
    finally:
        load.terminate()
        out, _ = load.communicate(timeout=10)
    calls = [line for line in out.splitlines() if line.startswith("calls")]
    load_calls = int(calls[-1].split()[1]) if calls else 0
    stalls = per_source.pop("stall")
    everything = [v for vs in per_source.values() for v in vs]
    lines = figures("all", everything)
    lines.append({"benchmark": "reaction", "metric": "stall_ms", "value": round(max(stalls), 3),
                  "goal": GOAL_STALL_MS, "better": "lower", "events": len(stalls),
                  "p50_ms": round(statistics.median(stalls), 3)})
    lines.append({"benchmark": "reaction", "metric": "events", "value": len(everything), "better": "higher"})
    lines.append({"benchmark": "reaction", "metric": "csms_calls_during_run", "value": load_calls,
                  "seconds": round(elapsed, 1), "better": "higher"})
    for source, values in per_source.items():
        lines.extend(figures(source, values))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    sys.setswitchinterval(0.001)  # as `evse run` does
    import logging

    logging.basicConfig(level=logging.ERROR)
    for line in asyncio.run(run(args.events)):
        print(json.dumps(line))


if __name__ == "__main__":
    main()
