"""OCPP 2.0.1 through a CSMS outage: two transactions running, one ending and one starting while it is away."""

import asyncio
from collections import defaultdict

from ocpp.v201 import call

from firmware.bench.csms201 import BenchCsms201


async def charging(station, cid, tag):
    await station.post("/ev", {"connector": cid, "state": "C"})
    await station.post("/rfid", {"connector": cid, "id_tag": tag})
    await station.until(lambda c: c["contactor_closed"], cid=cid)


async def test_csms_down_during_two_transactions_every_event_once_in_order(csms201, station):  # TC_E_ offline, TC_B_57
    cp = csms201.charge_points["CP001"]
    await cp.call(call.SetVariables(set_variable_data=[{
        "component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"},
        "attributeValue": "1"}]))
    await charging(station, 1, "ONE")
    await charging(station, 2, "TWO")
    await csms201.wait_for(lambda c: len([e for e in c.actions("TransactionEvent") if e["eventType"] == "Started"])
                           == 2 and all(m in c.answers for m in c.message_ids))
    port = csms201.port
    await csms201.stop()
    await station.wait_disconnected()
    await asyncio.sleep(2.5)  # sampled values pile up
    await station.post("/rfid", {"connector": 1, "id_tag": "ONE"})  # one ends while the CSMS is away
    await station.until(lambda c: not c["contactor_closed"])
    await station.post("/ev", {"connector": 1, "state": "A"})
    await station.until(lambda c: c["status"] == "Available")
    await charging(station, 1, "ONE")  # and another starts, authorized from the cache
    await asyncio.sleep(1.5)
    again = BenchCsms201(port=port)
    await again.start()
    try:
        await again.wait_connected("CP001", 30)
        await station.post("/ev", {"connector": 2, "state": "A"})
        await station.post("/ev", {"connector": 1, "state": "A"})
        await again.wait_for(lambda c: len([e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"])
                             == 3, 30)
    finally:
        await again.stop()
    assert {s["evseId"] for s in again.actions("StatusNotification")} == {1, 2}  # TC_B_51: every status again
    unanswered = [m for (a, _), m in zip(csms201.received, csms201.message_ids)  # cut off mid-call: sent again
                  if m not in csms201.answers and a in ("TransactionEvent",)]
    assert all(m in again.message_ids for m in unanswered)
    ids = [m for m in csms201.message_ids if m in csms201.answers] + again.message_ids
    assert len(ids) == len(set(ids)) and not again.retransmissions
    answered_first = [r for r, m in zip(csms201.received, csms201.message_ids) if m in csms201.answers]
    events = [p for a, p in answered_first + again.received if a == "TransactionEvent"]
    by_tx = defaultdict(list)
    for e in events:
        by_tx[e["transactionInfo"]["transactionId"]].append(e)
    assert len(by_tx) == 3
    for tx, mine in by_tx.items():
        assert [e["seqNo"] for e in mine] == list(range(len(mine)))  # contiguous, in order, none twice
        assert [e["eventType"] for e in mine][0] == "Started" and mine[-1]["eventType"] == "Ended"
        stamps = [e["timestamp"] for e in mine]
        assert stamps == sorted(stamps), [(e["seqNo"], e["eventType"], e["triggerReason"], e["timestamp"]) for e in mine]
    offline = [e for e in events if e.get("offline")]
    assert offline and all(e in again.actions("TransactionEvent") for e in offline)
    third = next(m for m in by_tx.values() if m[0]["timestamp"] > min(e["timestamp"] for e in offline))
    assert third[0]["offline"] and third[0]["idToken"]["idToken"] == "ONE"
    assert {m[-1]["transactionInfo"]["stoppedReason"] for m in by_tx.values()} <= {"Local", "EVDisconnected"}


async def test_transaction_events_are_retried_then_set_aside(csms201, station):  # TC_E_41, TC_E_42, TC_E_50, TC_E_51
    cp = csms201.charge_points["CP001"]
    await cp.call(call.SetVariables(set_variable_data=[
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "MessageAttemptInterval",
                                                            "instance": "TransactionEvent"}, "attributeValue": "1"},
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "MessageAttempts",
                                                            "instance": "TransactionEvent"}, "attributeValue": "3"}]))
    csms201.refuse["TransactionEvent"] = "InternalError"
    await charging(station, 1, "RETRY")
    await csms201.wait_for(lambda c: c.counts.get("TransactionEvent", 0) == 2, 10)
    del csms201.refuse["TransactionEvent"]  # TC_E_42/51: the third attempt succeeds
    await csms201.wait_for(lambda c: c.counts["TransactionEvent"] >= 3, 10)
    first_ids = [i for i, (a, _) in zip(csms201.message_ids, csms201.received) if a == "TransactionEvent"]
    assert len(set(first_ids[:3])) == 1  # the same message, attempted again
    assert (await station.status())["ocpp"]["set_aside"] == []

    csms201.refuse["TransactionEvent"] = "InternalError"  # TC_E_41/50: never accepted
    await station.post("/ev", {"connector": 1, "state": "A"})
    for _ in range(60):
        aside = (await station.status())["ocpp"]["set_aside"]
        if aside:
            break
        await asyncio.sleep(0.25)
    assert aside and aside[0]["action"] == "TransactionEvent"
    ended = [i for i, (a, p) in zip(csms201.message_ids, csms201.received)
             if a == "TransactionEvent" and p["eventType"] == "Ended"]
    assert len(ended) == 3 and len(set(ended)) == 1  # MessageAttempts tries of one message, then set aside
