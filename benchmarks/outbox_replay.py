"""Outbox replay and local-list authorization.

replay_ratio: 10,000 MeterValues queued in a controller's data directory (as
an outage leaves them) are delivered by `evse run` once it connects. The limit
is 10,000 x the mean round trip of one CALL in flight, measured in the same
run by a plain `ocpp`-library client process against the same CSMS with the
same payload. ratio = limit time / replay time (1.0: the outbox costs nothing
over the protocol's own one-call-at-a-time limit).

auth_p99_ms: the local list holding 10,000 entries, the 99th percentile of a
decision for 2,000 random tags (listed and unknown), offline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from firmware.auth.authorizer import Authorizer  # noqa: E402
from firmware.auth.id_tag_info import IdTagInfo  # noqa: E402
from firmware.bench.csms import BenchCsms  # noqa: E402
from firmware.ocpp.outbox import Outbox  # noqa: E402
from firmware.ocpp.v16.policy import Policy16  # noqa: E402
from firmware.store import Store  # noqa: E402
from tests.controller import ControllerProcess  # noqa: E402

BACKLOG = 10_000


def queue_backlog(data_dir: Path, n: int) -> None:
    store = Store(data_dir)
    outbox = Outbox(store, attempts=lambda: 3, retry_interval_s=lambda: 1)
    values = [{"value": "1234", "context": "Sample.Periodic", "format": "Raw",
               "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "Wh"}]
    with store.transaction():
        store.db.execute("INSERT INTO transaction_ids VALUES ('bench', 1)")
        for _ in range(n):
            outbox.push("MeterValues", {"connectorId": 1, "meterValue": [
                {"timestamp": "2026-01-01T00:00:00.000Z", "sampledValue": values}]}, "bench")
    store.close()


async def replay(n: int) -> tuple[float, float]:
    csms = BenchCsms()
    await csms.start()
    rtt = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "benchmarks/rtt_client.py"), "--url", f"{csms.url}/RTT",
        stdout=asyncio.subprocess.PIPE)
    out, _ = await rtt.communicate()
    per_call = float(out.decode().strip().splitlines()[-1])
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        queue_backlog(data, n)
        ctl = ControllerProcess(csms.url, data, cp_id="REPLAY", extra=("--bench-port", "0"))
        await ctl.start(wait=False)
        await csms.wait_for(lambda c: c.counts.get("MeterValues", 0) >= n, 600)  # O(1): no load on the CSMS
        arrivals = [t for (action, _), t in zip(csms.received, csms.arrived_at) if action == "MeterValues"]
        elapsed = (arrivals[-1] - arrivals[0]) * n / (n - 1)  # n - 1 intervals between n messages
        await ctl.close()
    await csms.stop()
    return per_call * n, elapsed


def auth_times(entries: int, lookups: int) -> list[float]:
    class Keys:
        def get_bool(self, name):
            return name != "AllowOfflineTxForUnknownId"

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp)
        auth = Authorizer(store, Policy16(Keys()), entries)
        auth.local_list.update(1, True, [(f"TAG{i:06d}", IdTagInfo("Accepted")) for i in range(entries)])
        rng = random.Random(1)
        tags = [f"TAG{rng.randrange(entries * 2):06d}" for _ in range(lookups)]  # half listed, half unknown

        async def run():
            times = []
            for tag in tags:
                t = time.perf_counter()
                await auth.authorize(tag)
                times.append((time.perf_counter() - t) * 1000.0)
            return times

        times = asyncio.run(run())
        store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backlog", type=int, default=BACKLOG)
    args = parser.parse_args()
    limit, took = asyncio.run(replay(args.backlog))
    times = sorted(auth_times(10_000, 2_000))
    p99 = times[int(0.99 * (len(times) - 1))]
    for line in (
        {"benchmark": "outbox_replay", "metric": "replay_ratio", "value": round(limit / took, 3), "goal": 0.8,
         "better": "higher", "messages": args.backlog, "replay_s": round(took, 2), "limit_s": round(limit, 2)},
        {"benchmark": "outbox_replay", "metric": "auth_p99_ms", "value": round(p99, 3), "goal": 50,
         "better": "lower", "entries": 10_000},
    ):
        print(json.dumps(line))


if __name__ == "__main__":
    main()
