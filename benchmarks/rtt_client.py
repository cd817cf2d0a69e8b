"""One CALL in flight, back to back: the round-trip limit the outbox replay is held to.

A plain `ocpp`-library charge point sends the same MeterValues payload the
outbox holds, waits for each answer (as OCPP-J requires), and prints the mean
seconds per call. Run as its own process, as `evse run` is.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import websockets
from ocpp.v16 import ChargePoint, call


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    async with websockets.connect(args.url, subprotocols=["ocpp1.6"]) as ws:
        cp = ChargePoint("RTT", ws)
        reader = asyncio.create_task(cp.start())
        values = [{"value": "1234", "context": "Sample.Periodic", "format": "Raw",
                   "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "Wh"}]
        request = call.MeterValues(connector_id=1, transaction_id=1,
                                   meter_value=[{"timestamp": "2026-01-01T00:00:00.000Z", "sampled_value": values}])
        for _ in range(50):
            await cp.call(request)
        started = time.perf_counter()
        for _ in range(args.calls):
            await cp.call(request)
        print((time.perf_counter() - started) / args.calls, flush=True)
        reader.cancel()


if __name__ == "__main__":
    asyncio.run(main())
