"""SLAC (ISO 15118-3) as the car sees it: from its first CM_SLAC_PARM.REQ to the CM_SLAC_MATCH.CNF that
gives it the charger's network key, against the product's SLAC process (pyslac's EVSE in .venv-slac) on
a veth pair in a network namespace (tests/slac_rig.py); and from the bench EV's process start (a
Python with pyslac loading: bench overhead) until the controller's end says "matched".
Each run is a plug-in (pilot B at 5 %) and an unplug. The norm's EV allows TT_EV_atten_results 1.2 s for
the sounding alone; the whole match is some ten frames each way and 600 ms of the EVSE's listening."""

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
sys.path.insert(0, str(ROOT / "tests"))

from slac_rig import Rig  # noqa: E402


async def run(runs: int) -> dict:
    ev_ms, link_ms = [], []
    with tempfile.TemporaryDirectory(prefix="slac-match-") as tmp:
        async with Rig(Path(tmp)) as rig:
            await rig.until("unmatched")
            for _ in range(runs):
                rig.pilot = ("B", True)
                began = time.monotonic()
                if await rig.ev() != 0:
                    raise SystemExit("the bench EV was not matched")
                await rig.until("matched")
                link_ms.append(1000.0 * (time.monotonic() - began))
                ev_ms.append(rig.took_ms)
                rig.pilot = ("A", False)
                await rig.until("unmatched")
    return {"bench": "slac_match", "runs": runs, "ev_match_ms_p50": round(statistics.median(ev_ms), 1),
            "ev_match_ms_max": round(max(ev_ms), 1),
            "ev_start_to_controller_matched_ms_p50": round(statistics.median(link_ms), 1),
            "ev_start_to_controller_matched_ms_max": round(max(link_ms), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    print(json.dumps(asyncio.run(run(parser.parse_args().runs))), flush=True)


if __name__ == "__main__":
    main()
