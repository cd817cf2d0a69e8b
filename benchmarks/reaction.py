"""Reaction time: an input change to the contactor-open call, under OCPP load.

The controller runs in this process on the mock bench; a separate CSMS
process floods its OCPP side (GetConfiguration stream plus 10,000-entry
SendLocalList frames). A driver thread makes a session charge, then flips one
input (EV C->B, pilot short to E, EV diode lost, RCD trip, e-stop) and times
from the flip to MockContactor.open() being called. Prints JSON lines in the
DESIGN.md format.
"""

from __future__ import annotations

import argparse
import asyncio
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

SOURCES = ("C->B", "C->E", "diode", "rcd", "estop")
GOAL_P99_MS, GOAL_MAX_MS = 5.0, 20.0


class Driver:
    def __init__(self, controller: Controller, cid: int = 1):
        self.c = controller
        self.cid = cid
        self.wire = controller.hal.bench.connectors[cid]
        self.bench = controller.hal.bench
        self.conn = controller.station.connectors[cid]
        self.contactor = controller.hal.connectors[cid].contactor
        self.opened = threading.Event()
        original_open = self.contactor.open

        def open_and_signal():
            original_open()
            self.opened.set()

        self.contactor.open = open_and_signal

    def wait(self, predicate, timeout=10.0) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise TimeoutError(f"bench stuck: state {self.conn.state}, trips {self.conn.trips}")
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
        if source == "C->B":
            self.wire.set_ev(state="B" if on else "C")
        elif source == "C->E":
            self.wire.set_fault("pilot_short", on)
        elif source == "diode":
            self.wire.set_fault("diode", on)
        elif source == "rcd":
            self.wire.set_fault("rcd", on)
        elif source == "estop":
            self.bench.set_fault(self.cid, "estop", on)

    def one(self, source: str) -> float:
        self.charge()
        self.opened.clear()
        start = time.perf_counter()
        self.flip(source, True)
        if not self.opened.wait(2.0):
            raise TimeoutError(f"{source}: contactor never opened")
        latency_ms = (self.contactor.last_open_call - start) * 1000.0
        self.flip(source, False)
        if source != "C->B":
            self.wait(lambda: self.conn.state != "faulted")
        return latency_ms


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
        board = load_board(ROOT / "board-configs/bench.toml")
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
                    source = SOURCES[i % len(SOURCES)]
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
    everything = [v for vs in per_source.values() for v in vs]
    lines = figures("all", everything)
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
