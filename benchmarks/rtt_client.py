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
from ocpp import v16, v201

V201_VALUE = [{"value": 1234.0, "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register",
               "location": "Outlet", "unitOfMeasure": {"unit": "Wh"}}]


def request_for(version: str):
    """The payload the outbox holds in the benchmark: MeterValues (1.6) or TransactionEvent Updated (2.0.1)."""
    if version == "2.0.1":
        return v201.call.TransactionEvent(
            event_type="Updated", timestamp="2026-01-01T00:00:00.000Z", trigger_reason="MeterValuePeriodic",
            seq_no=1, transaction_info={"transactionId": "bench"}, evse={"id": 1, "connectorId": 1},
            meter_value=[{"timestamp": "2026-01-01T00:00:00.000Z", "sampledValue": V201_VALUE}])
    values = [{"value": "1234", "context": "Sample.Periodic", "format": "Raw",
               "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "Wh"}]
    return v16.call.MeterValues(connector_id=1, transaction_id=1,
                                meter_value=[{"timestamp": "2026-01-01T00:00:00.000Z", "sampled_value": values}])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--ocpp-version", default="1.6", choices=["1.6", "2.0.1"])
    args = parser.parse_args()
    subprotocol = "ocpp2.0.1" if args.ocpp_version == "2.0.1" else "ocpp1.6"
    async with websockets.connect(args.url, subprotocols=[subprotocol]) as ws:
        cp = (v201 if args.ocpp_version == "2.0.1" else v16).ChargePoint("RTT", ws)
        reader = asyncio.create_task(cp.start())
        request = request_for(args.ocpp_version)
        for _ in range(50):
            await cp.call(request)
        started = time.perf_counter()
        for _ in range(args.calls):
            await cp.call(request)
        print((time.perf_counter() - started) / args.calls, flush=True)
        reader.cancel()


if __name__ == "__main__":
    asyncio.run(main())
