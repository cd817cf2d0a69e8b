"""A CSMS that keeps the charge point's OCPP side busy, for the reaction benchmark.

Run as its own process (so its work does not share our GIL): once the charge
point connects it sends GetConfiguration calls back to back and, every
`--every` calls, a SendLocalList with 10,000 entries (a ~0.7 MB frame).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocpp.v16 import call  # noqa: E402

from firmware.bench.csms import BenchCsms  # noqa: E402

LIST_SIZE = 10_000


def big_local_list() -> call.SendLocalList:
    entries = [{"id_tag": f"TAG{i:08d}", "id_tag_info": {"status": "Accepted", "expiry_date": "2030-01-01T00:00:00Z",
                                                         "parent_id_tag": "FLEET0001"}} for i in range(LIST_SIZE)]
    return call.SendLocalList(list_version=1, update_type="Full", local_authorization_list=entries)


async def main() -> None:
    import logging

    logging.basicConfig(level=logging.CRITICAL)
    logging.getLogger("ocpp").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--every", type=int, default=20)
    args = parser.parse_args()
    csms = BenchCsms(port=args.port)
    await csms.start()
    print("ready", flush=True)
    big = big_local_list()
    calls = 0
    while True:
        cp = await csms.wait_connected("BENCH", timeout=3600)
        try:
            while True:
                if calls % args.every == 0:
                    await cp.call(big, skip_schema_validation=True)
                else:
                    await cp.call(call.GetConfiguration())
                calls += 1
                if calls % 100 == 0:
                    print(f"calls {calls} {time.time():.0f}", flush=True)
        except Exception:
            await asyncio.sleep(0.1)


if __name__ == "__main__":
    asyncio.run(main())
