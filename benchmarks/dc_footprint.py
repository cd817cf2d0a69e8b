"""The controller with the DC stack: `evse run --board board-configs/bench-dc.toml`, a whole DC session
with the bench EV (ISO 15118-2 by default), against the bench CSMS.

Figures: the controller's RSS idle (booted, nothing plugged) and at most during the session; the
charger's EV link (the SECC's Python and the JVM of its EXI codec) at most during the session; the
bench EV's processes apart (they are the car's, not the charger's); plug (with the card shown at the
same moment) to current flowing, through the whole controller; the controller's CPU while charging.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from firmware.bench.csms import BenchCsms  # noqa: E402
from footprint import cpu_seconds, rss_mb  # noqa: E402
from tests.controller import ControllerProcess  # noqa: E402


def tree(root: int) -> dict[int, str]:
    """Every process below `root` (pid -> command line)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                try:
                    found[child] = (Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode())
                except OSError:
                    continue
                todo.append(child)
    return found


def side_of(pid: int, procs: dict[int, str], parents_cmd: dict[int, str]) -> str | None:
    """'secc' for the charger's EV link (its Python and its JVM), 'slac' for its SLAC process (pyslac),
    'ev' for the bench EV's."""
    cmd = procs[pid]
    if "hlc.slac_child" in cmd:
        return "slac"
    if "hlc.secc_child" in cmd or "hlc.secc_child" in parents_cmd.get(pid, ""):
        return "secc"
    if "hlc.ev_child" in cmd or "hlc.ev_child" in parents_cmd.get(pid, ""):
        return "ev"
    return None


def sample(root: int) -> dict[str, float]:
    procs = tree(root)
    parent_cmd = {}
    for pid in procs:
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
        parent_cmd[pid] = procs.get(ppid, "")
    out = {"controller": rss_mb(root), "secc": 0.0, "slac": 0.0, "ev": 0.0}
    for pid in procs:
        side = side_of(pid, procs, parent_cmd)
        if side is not None:
            try:
                out[side] += rss_mb(pid)
            except (OSError, RuntimeError):
                pass
    return out


async def run(protocol: str, idle_s: float) -> dict:
    csms = BenchCsms()
    await csms.start()
    with tempfile.TemporaryDirectory(prefix="dc-footprint-") as tmp:
        board = Path(tmp) / "bench-dc.toml"
        source = "bench-dc-iso20.toml" if protocol == "ISO_15118_20_DC" else "bench-dc.toml"  # -20: offered there
        text = (ROOT / "board-configs" / source).read_text().replace('"ISO_15118_2"', f'"{protocol}"')
        board.write_text(re.sub(r"ev_battery_kwh = [0-9.]+", "ev_battery_kwh = 1.0", text))
        station = ControllerProcess(csms.url, Path(tmp) / "data", board=str(board), cp_id="DCFOOT")
        await station.start()
        try:
            await station.until(lambda c: c["status"] == "Available", 15)
            await asyncio.sleep(idle_s)
            pid = station.proc.pid
            idle = sample(pid)["controller"]
            plugged = time.monotonic()
            await station.post("/ev", {"connector": 1, "state": "B"})
            await station.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
            await station.until(lambda c: c["dc"]["present_current_a"] > 1.0, 90)
            to_current = time.monotonic() - plugged
            cpu0, t0 = cpu_seconds(pid), time.monotonic()
            peak = {"controller": 0.0, "secc": 0.0, "slac": 0.0, "ev": 0.0}
            while (await station.connector())["dc"]["state"] == "charging":
                for side, mb in sample(pid).items():
                    peak[side] = max(peak[side], mb)
                await asyncio.sleep(0.5)
            cpu_pct = 100.0 * (cpu_seconds(pid) - cpu0) / max(time.monotonic() - t0, 1e-6)
        finally:
            await station.close()
            await csms.stop()
    return {"bench": "dc_footprint", "protocol": protocol, "controller_idle_rss_mb": round(idle, 1),
            "controller_charging_rss_mb": round(peak["controller"], 1),
            "ev_link_rss_mb": round(peak["secc"], 1), "slac_rss_mb": round(peak["slac"], 1),
            "bench_ev_rss_mb": round(peak["ev"], 1),
            "plug_to_current_s": round(to_current, 2), "controller_cpu_pct_charging": round(cpu_pct, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--protocol", default="ISO_15118_2",
                        choices=["ISO_15118_2", "DIN_SPEC_70121", "ISO_15118_20_DC"])
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.protocol, args.idle_seconds))), flush=True)


if __name__ == "__main__":
    main()
