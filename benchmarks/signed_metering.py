"""Signed metering: what a signing meter adds to a session's start and end.

A simulated Iskra WM3M4C on a paced RTU line (a socat pty pair with `evse meter-sim`, answering at
the pace of a real line at the baud rate) is driven by our driver through whole signed
transactions: `begin_ms` (the legal clock, the OCMF frame, command B and its signed begin reading:
what delays the contactor at a session's start), `reading_ms` (a signed reading during it, command
C) and `end_ms` (command E and the session's record: what delays the StopTransaction), at the
meter's factory 115200 baud and at 9600. `record_bytes`: the OCMF record's size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hal.meters.bus import ModbusBus  # noqa: E402
from hal.meters.iskra_signing import IskraSigningMeter  # noqa: E402
from hal.meters.maps import MODELS  # noqa: E402
from hal.types import SignedStart  # noqa: E402

START = SignedStart("bench", "04A1B2C3D4", "ISO14443", ("RFID_PLAIN",), "CP001 1")


def line(tmp: Path, baud: int):
    a, b = tmp / f"sim{baud}", tmp / f"ctl{baud}"
    socat = subprocess.Popen(["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"])
    while not (a.exists() and b.exists()):
        time.sleep(0.02)
    sim = subprocess.Popen([sys.executable, "-m", "firmware", "meter-sim", "--model", "iskra_wm3m4c", "--serial",
                            str(a), "--address", "33", "--current-a", "16", "--baud", str(baud)],
                           stdout=subprocess.PIPE, text=True, cwd=ROOT)
    sim.stdout.readline()
    return socat, sim, b


def timed(call, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = call(*args)
    return (time.perf_counter() - t0) * 1000, out


def measure(port: Path, baud: int, sessions: int) -> dict:
    bus = ModbusBus("bench", port=str(port), baud=baud, timeout_s=1.0, retries=0)
    meter = IskraSigningMeter(bus, 33, MODELS["iskra_wm3m4c"])
    figures: dict[str, list[float]] = {"begin_ms": [], "reading_ms": [], "end_ms": []}
    size = 0
    for _ in range(sessions):
        for name, call in (("begin_ms", lambda: meter.begin_signed(START)),
                           ("reading_ms", lambda: meter.sign_reading(START.transaction_id)),
                           ("end_ms", lambda: meter.end_signed(START.transaction_id))):
            ms, record = timed(call)
            figures[name].append(ms)
        size = len(record.data)
    bus.close()
    out = {"baud": baud, "sessions": sessions, "record_bytes": size}
    for name, values in figures.items():
        out[name.replace("_ms", "_p50_ms")] = round(statistics.median(values), 1)
        out[name.replace("_ms", "_max_ms")] = round(max(values), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for baud in (115200, 9600):
            socat, sim, port = line(Path(tmp), baud)
            try:
                print(json.dumps({"benchmark": "signed_metering", **measure(port, baud, args.sessions)}), flush=True)
            finally:
                sim.terminate()
                socat.terminate()
                sim.wait()
                socat.wait()


if __name__ == "__main__":
    main()
