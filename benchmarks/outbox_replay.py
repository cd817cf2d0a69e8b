"""Outbox replay and local-list authorization.

replay_ratio: 10,000 MeterValues queued in a controller's data directory (as
an outage leaves them) are delivered by `evse run` once it connects. The limit
is 10,000 x the mean round trip of one CALL in flight, measured in the same
run by a plain `ocpp`-library client process against the same CSMS with the
same payload. ratio = limit time / replay time (1.0: the outbox costs nothing
over the protocol's own one-call-at-a-time limit).

auth_p99_ms: the local list holding 10,000 entries, the 99th percentile of a
decision for 2,000 random tags (listed and unknown), offline; for each
version's policy (1.6 configuration keys, 2.0.1 device model).
send_local_list_s (2.0.1): one SendLocalList Full of 10,000 entries from the
CSMS to `evse run`, request to answer, the whole list stored.
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
from benchmarks.rtt_client import V201_VALUE  # noqa: E402
from firmware.bench.csms import BenchCsms  # noqa: E402
from firmware.bench.csms201 import BenchCsms201  # noqa: E402
from firmware.ocpp.outbox import Outbox  # noqa: E402
from firmware.ocpp.v16.policy import Policy16  # noqa: E402
from firmware.store import Store  # noqa: E402
from tests.controller import ControllerProcess  # noqa: E402

BACKLOG = 10_000
V16_VALUES = [{"value": "1234", "context": "Sample.Periodic", "format": "Raw",
               "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "Wh"}]


ACTION = {"1.6": "MeterValues", "2.0.1": "TransactionEvent"}


def queue_backlog(data_dir: Path, n: int, version: str) -> None:
    """What an outage leaves: n transaction messages of one transaction, in the outbox."""
    store = Store(data_dir)
    outbox = Outbox(store, attempts=lambda: 3, retry_interval_s=lambda: 1)
    with store.transaction():
        store.db.execute("INSERT INTO transaction_ids VALUES ('bench', '1')")
        for seq in range(n):
            if version == "2.0.1":
                outbox.push("TransactionEvent", {
                    "eventType": "Updated", "timestamp": "2026-01-01T00:00:00.000Z", "seqNo": seq,
                    "triggerReason": "MeterValuePeriodic", "transactionInfo": {"transactionId": "bench"},
                    "evse": {"id": 1, "connectorId": 1},
                    "meterValue": [{"timestamp": "2026-01-01T00:00:00.000Z", "sampledValue": V201_VALUE}]}, "bench")
            else:
                outbox.push("MeterValues", {"connectorId": 1, "meterValue": [
                    {"timestamp": "2026-01-01T00:00:00.000Z", "sampledValue": V16_VALUES}]}, "bench")
    store.close()


async def replay(n: int, version: str) -> tuple[float, float, float | None]:
    """(limit s, replay s, FullInventory report s (2.0.1 only))."""
    csms = BenchCsms201() if version == "2.0.1" else BenchCsms()
    await csms.start()
    rtt = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "benchmarks/rtt_client.py"), "--url", f"{csms.url}/RTT",
        "--ocpp-version", version, stdout=asyncio.subprocess.PIPE)
    out, _ = await rtt.communicate()
    per_call = float(out.decode().strip().splitlines()[-1])
    for record in (csms.received, csms.arrived_at, csms.message_ids):
        record.clear()  # the round-trip client's calls are not the replay's
    csms.counts.clear()
    action = ACTION[version]
    report_s = None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        queue_backlog(data, n, version)
        ctl = ControllerProcess(csms.url, data, cp_id="REPLAY", extra=("--bench-port", "0"), ocpp_version=version)
        await ctl.start(wait=False)
        await csms.wait_for(lambda c: c.counts.get(action, 0) >= n, 600)  # O(1): no load on the CSMS
        arrivals = [t for (a, _), t in zip(csms.received, csms.arrived_at) if a == action]
        elapsed = (arrivals[-1] - arrivals[0]) * n / (n - 1)  # n - 1 intervals between n messages
        if version == "2.0.1":
            report_s = await full_inventory_s(csms)
        await ctl.close()
    await csms.stop()
    return per_call * n, elapsed, report_s


async def full_inventory_s(csms) -> float:
    """GetBaseReport FullInventory sent -> the last NotifyReport (tbc false) received."""
    from ocpp.v201 import call

    started = time.perf_counter()
    await csms.charge_points["REPLAY"].call(call.GetBaseReport(request_id=99, report_base="FullInventory"))
    await csms.wait_for(lambda c: [r for r in c.actions("NotifyReport") if r["requestId"] == 99 and not r.get("tbc")],
                        60)
    return time.perf_counter() - started


def auth_times(entries: int, lookups: int, version: str = "1.6") -> list[float]:
    class Keys:
        def get_bool(self, name):
            return name != "AllowOfflineTxForUnknownId"

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp)
        if version == "1.6":
            policy = Policy16(Keys())
        else:
            from firmware.config import load_board
            from firmware.ocpp.protocols import protocol_for

            policy = protocol_for("2.0.1", store, load_board(ROOT / "board-configs/bench.toml"), lambda n: None).policy
        auth = Authorizer(store, policy, entries)
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


async def send_local_list_201(entries: int) -> float:
    from ocpp.v201 import call

    csms = BenchCsms201()
    await csms.start()
    with tempfile.TemporaryDirectory() as tmp:
        ctl = ControllerProcess(csms.url, Path(tmp) / "d", cp_id="LIST", ocpp_version="2.0.1")
        await ctl.start()
        try:
            cp = await csms.wait_connected("LIST", 30)
            await csms.wait_for(lambda c: c.actions("BootNotification"), 30)
            items = [{"idToken": {"idToken": f"TAG{i:06d}", "type": "ISO14443"}, "idTokenInfo": {"status": "Accepted"}}
                     for i in range(entries)]
            started = time.perf_counter()
            answer = await cp.call(call.SendLocalList(version_number=1, update_type="Full",
                                                      local_authorization_list=items))
            took = time.perf_counter() - started
            assert answer.status == "Accepted", answer
        finally:
            await ctl.close()
    await csms.stop()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backlog", type=int, default=BACKLOG)
    args = parser.parse_args()
    for version in ("1.6", "2.0.1"):  # side by side, in one run
        limit, took, report_s = asyncio.run(replay(args.backlog, version))
        print(json.dumps({"benchmark": "outbox_replay", "metric": "replay_ratio", "value": round(limit / took, 3),
                          "goal": 0.8, "better": "higher", "ocpp": version, "messages": args.backlog,
                          "replay_s": round(took, 2), "limit_s": round(limit, 2)}))
        if report_s is not None:
            print(json.dumps({"benchmark": "outbox_replay", "metric": "full_inventory_report_s",
                              "value": round(report_s, 3), "better": "lower", "ocpp": version}))
    for version in ("1.6", "2.0.1"):
        times = sorted(auth_times(10_000, 2_000, version))
        p99 = times[int(0.99 * (len(times) - 1))]
        print(json.dumps({"benchmark": "outbox_replay", "metric": "auth_p99_ms", "value": round(p99, 3), "goal": 50,
                          "better": "lower", "entries": 10_000, "ocpp": version}))
    print(json.dumps({"benchmark": "outbox_replay", "metric": "send_local_list_s",
                      "value": round(asyncio.run(send_local_list_201(10_000)), 3), "better": "lower",
                      "entries": 10_000, "ocpp": "2.0.1"}))


if __name__ == "__main__":
    main()
