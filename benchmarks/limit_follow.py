"""Limit follow: a CSMS's SetChargingProfile to the PWM duty that offers it.

IEC 61851-1 practice (DESIGN.md): the PWM follows a new current limit within
5 s. The controller runs in this process on the bench with a session charging;
the built-in CSMS (an `ocpp` library server over a real websocket) sends
TxDefaultProfiles alternating between two limits, and each is timed from the
request leaving the CSMS to the connector's duty changing. A shared supply is
measured too: a second session starting, to both connectors' offers settling
on their halves. Both OCPP versions run, one after the other in one run (the
2.0.1 lines carry "variant": "ocpp201"). Prints JSON lines in the DESIGN.md
format.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ocpp.v16 import call  # noqa: E402
from ocpp.v201 import call as call201  # noqa: E402

from firmware.app import Controller  # noqa: E402
from firmware.bench.csms import BenchCsms  # noqa: E402
from firmware.bench.csms201 import BenchCsms201  # noqa: E402
from firmware.config import load_board  # noqa: E402
from firmware.core.iec61851.pilot import duty_for_current  # noqa: E402
from firmware.settings import RuntimeSettings  # noqa: E402

GOAL_MS = 5000.0


def profile(amps: float):
    return call.SetChargingProfile(connector_id=1, cs_charging_profiles={
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}]}})


def profile201(amps: float):
    return call201.SetChargingProfile(evse_id=1, charging_profile={
        "id": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Relative",
        "chargingSchedule": [{"id": 1, "chargingRateUnit": "A",
                              "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}]}]})


VERSIONS = {"1.6": (BenchCsms, profile, lambda: call.ClearChargingProfile(id=1)),
            "2.0.1": (BenchCsms201, profile201, lambda: call201.ClearChargingProfile(charging_profile_id=1))}


async def until(predicate, timeout=10.0) -> float:
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("never happened")
        await asyncio.sleep(0.001)
    return time.perf_counter()


async def charging(controller, cid: int) -> None:
    wire = controller.hal.bench.connectors[cid]
    conn = controller.station.connectors[cid]
    wire.set_ev(state="C")
    await controller.station.authorize(cid, f"TAG{cid}")
    await until(lambda: wire.contactor_cmd and conn.state == "charging")


async def run(events: int, version: str = "1.6") -> list[dict]:
    make_csms, set_profile, clear = VERSIONS[version]
    csms = make_csms()
    await csms.start()
    board = load_board(ROOT / "board-configs/bench-shared.toml")
    with tempfile.TemporaryDirectory() as data:
        settings = RuntimeSettings(csms.url, "BENCH", version, 0, None, None, None, None)
        controller = Controller(board, settings, data, None)
        task = asyncio.create_task(controller.run())
        cp = await csms.wait_connected("BENCH")
        conn = controller.station.connectors[1]
        await charging(controller, 1)
        follow = []
        for i in range(events):
            amps = 10.0 if i % 2 == 0 else 16.0
            sent = time.perf_counter()
            await cp.call(set_profile(amps))
            done = await until(lambda: conn.duty == duty_for_current(amps))
            follow.append((done - sent) * 1000)
        await cp.call(clear())
        await until(lambda: conn.offered_a == 32.0)
        started = time.perf_counter()
        await charging(controller, 2)
        other = controller.station.connectors[2]
        settled = await until(lambda: conn.offered_a == 16.0 and other.offered_a == 16.0)
        share_ms = (settled - started) * 1000
        controller.request_exit()
        await task
    await csms.stop()
    ordered = sorted(follow)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    variant = {} if version == "1.6" else {"variant": "ocpp201"}
    return [{**line, **variant} for line in [
        {"benchmark": "limit_follow", "metric": "p50_ms", "value": round(statistics.median(follow), 2),
         "better": "lower"},
        {"benchmark": "limit_follow", "metric": "p99_ms", "value": round(p99, 2), "goal": GOAL_MS, "better": "lower"},
        {"benchmark": "limit_follow", "metric": "max_ms", "value": round(max(follow), 2), "goal": GOAL_MS,
         "better": "lower"},
        {"benchmark": "limit_follow", "metric": "events", "value": len(follow), "better": "higher"},
        {"benchmark": "limit_follow", "metric": "share_settle_ms", "value": round(share_ms, 1), "goal": GOAL_MS,
         "better": "lower"},
    ]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    sys.setswitchinterval(0.001)
    import logging

    logging.basicConfig(level=logging.ERROR)
    for version in VERSIONS:
        for line in asyncio.run(run(args.events, version)):
            print(json.dumps(line))


if __name__ == "__main__":
    main()
