"""Modbus RTU polling: how close a read cycle comes to the line's own speed.

Four simulated SDM630 meters share one 9600-baud RTU line (a socat pty pair
with `evse meter-sim` on the far end). A full read cycle reads every meter
once. `line_ratio` = the time the cycle's bytes need on the wire (every byte
pymodbus actually sent and received, counted with its trace hook, at 10 bits a
byte, plus the 3.5-character silence RTU requires between frames) / the time
the cycle took. 1.0 would be a line never idle. A pty does not pace bytes at
the baud rate, so the figure measures our own overhead against ideal pacing.
`jitter_p99_ms`: the metering service polling the same four meters every
`--poll-s`; the 99th percentile of |interval between cycle starts - poll_s|.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from firmware.config import MeteringConfig  # noqa: E402
from firmware.metering import Metering  # noqa: E402
from hal.meters.bus import ModbusBus, ModbusMeter  # noqa: E402
from hal.meters.maps import MODELS  # noqa: E402

BAUD = 9600
BITS_PER_BYTE = 10  # 8N1


def start_line(tmp: Path, addresses: str):
    a, b = tmp / "sim", tmp / "ctl"
    socat = subprocess.Popen(["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"])
    while not (a.exists() and b.exists()):
        time.sleep(0.02)
    sim = subprocess.Popen([sys.executable, "-m", "firmware", "meter-sim", "--model", "sdm630", "--serial", str(a),
                            "--address", addresses, "--current-a", "16", "--baud", str(BAUD)],
                           stdout=subprocess.PIPE, text=True, cwd=ROOT)
    sim.stdout.readline()
    return socat, sim, b


def measure_cycles(port: Path, cycles: int) -> tuple[float, float]:
    frames: list[int] = []

    def trace(sending: bool, data: bytes) -> bytes:
        frames.append(len(data))
        return data

    bus = ModbusBus("bench", port=str(port), baud=BAUD, timeout_s=0.5, retries=0, trace_packet=trace)
    meters = [ModbusMeter(bus, address, MODELS["sdm630"]) for address in (1, 2, 3, 4)]
    for m in meters:
        m.read()  # warm up: open the port, read serial numbers
    frames.clear()
    started = time.perf_counter()
    for _ in range(cycles):
        for m in meters:
            m.read()
    elapsed = time.perf_counter() - started
    bus.close()
    byte_time = BITS_PER_BYTE / BAUD
    wire = sum(frames) * byte_time + len(frames) * 3.5 * byte_time
    return wire / cycles, elapsed / cycles


async def measure_jitter(port: Path, poll_s: float, cycles: int) -> list[float]:
    bus = ModbusBus("bench", port=str(port), baud=BAUD, timeout_s=0.5, retries=0)
    meters = {cid: ModbusMeter(bus, cid, MODELS["sdm630"]) for cid in (1, 2, 3, 4)}
    metering = Metering(meters, SimpleNamespace(publish=lambda e: None), MeteringConfig(poll_s=poll_s))
    task = asyncio.create_task(metering.run())
    while len(metering.cycle_starts) < cycles + 1:
        await asyncio.sleep(poll_s / 4)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    bus.close()
    starts = metering.cycle_starts[: cycles + 1]
    return [abs((b - a) - poll_s) * 1000.0 for a, b in zip(starts, starts[1:])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--poll-s", dest="poll_s", type=float, default=1.0)
    parser.add_argument("--jitter-cycles", dest="jitter_cycles", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        socat, sim, port = start_line(Path(tmp), "1,2,3,4")
        try:
            wire_s, cycle_s = measure_cycles(port, args.cycles)
            deviations = asyncio.run(measure_jitter(port, args.poll_s, args.jitter_cycles))
        finally:
            sim.terminate()
            socat.terminate()
    ordered = sorted(deviations)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    for line in (
        {"benchmark": "modbus_poll", "metric": "line_ratio", "value": round(wire_s / cycle_s, 3), "goal": 0.8,
         "better": "higher", "wire_ms": round(wire_s * 1000, 1), "cycle_ms": round(cycle_s * 1000, 1),
         "meters": 4, "baud": BAUD},
        {"benchmark": "modbus_poll", "metric": "jitter_p99_ms", "value": round(p99, 2), "better": "lower",
         "poll_s": args.poll_s, "cycles": len(deviations), "median_ms": round(statistics.median(deviations), 2)},
    ):
        print(json.dumps(line))


if __name__ == "__main__":
    main()
