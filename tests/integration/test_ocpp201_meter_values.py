"""OCPP 2.0.1 meter values (J): clock-aligned and sampled, in and outside transactions."""

import asyncio
from datetime import datetime

from ocpp.v201 import call


def settings(*items) -> call.SetVariables:
    return call.SetVariables(set_variable_data=[
        {"component": {"name": c}, "variable": {"name": n}, "attributeValue": v} for c, n, v in items])


def contexts(event) -> set[str]:
    return {sv["context"] for mv in event.get("meterValue", []) for sv in mv["sampledValue"]}


async def test_clock_aligned_values_in_and_outside_a_transaction(csms201, station):  # TC_J_02, TC_J_03
    cp = csms201.charge_points["CP001"]
    answer = await cp.call(settings(("AlignedDataCtrlr", "Interval", "2"),
                                    ("AlignedDataCtrlr", "Measurands", "Energy.Active.Import.Register,Voltage")))
    assert {r["attribute_status"] for r in answer.set_variable_result} == {"Accepted"}
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "ALIGNED"})
    await station.until(lambda c: c["contactor_closed"])
    clocked = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                                if e["triggerReason"] == "MeterValueClock"], 10)
    assert contexts(clocked[0]) == {"Sample.Clock"} and clocked[0]["evse"]["id"] == 1
    idle = await csms201.wait_for(lambda c: [m for m in c.actions("MeterValues") if m["evseId"] == 2], 10)
    values = idle[0]["meterValue"][0]
    assert {sv["context"] for sv in values["sampledValue"]} == {"Sample.Clock"}
    assert {sv["measurand"] for sv in values["sampledValue"]} == {"Energy.Active.Import.Register", "Voltage"}
    for stamp in (values["timestamp"], clocked[0]["timestamp"]):
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert at.second % 2 == 0 and at.microsecond < 1000  # on the boundary, not when it was sent
    assert not [m for m in csms201.actions("MeterValues") if m["evseId"] == 1]  # in a transaction: the event


async def test_sampled_values_at_start_update_and_end(csms201, station):  # TC_J_07, TC_J_09, TC_J_10
    cp = csms201.charge_points["CP001"]
    await cp.call(settings(("SampledDataCtrlr", "TxUpdatedInterval", "1"),
                           ("SampledDataCtrlr", "TxStartedMeasurands", "Energy.Active.Import.Register"),
                           ("SampledDataCtrlr", "TxUpdatedMeasurands", "Power.Active.Import,Current.Import"),
                           ("SampledDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register")))
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "SAMPLED"})
    await csms201.wait_for(lambda c: len([e for e in c.actions("TransactionEvent")
                                          if e["triggerReason"] == "MeterValuePeriodic"]) >= 2, 10)
    await station.post("/ev", {"connector": 1, "state": "A"})
    await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"])
    events = csms201.actions("TransactionEvent")
    started = next(e for e in events if e.get("meterValue") and contexts(e) == {"Transaction.Begin"})
    assert {sv["measurand"] for sv in started["meterValue"][0]["sampledValue"]} == {"Energy.Active.Import.Register"}
    periodic = [e for e in events if e["triggerReason"] == "MeterValuePeriodic"]
    measurands = {sv["measurand"] for e in periodic for mv in e["meterValue"] for sv in mv["sampledValue"]}
    assert measurands == {"Power.Active.Import", "Current.Import"} and contexts(periodic[0]) == {"Sample.Periodic"}
    ended = events[-1]
    assert ended["eventType"] == "Ended" and contexts(ended) == {"Transaction.End"}


async def test_the_ended_event_carries_what_was_taken_for_it(csms201, station):  # TC_J_02 (TxEnded*)
    cp = csms201.charge_points["CP001"]
    await cp.call(settings(("SampledDataCtrlr", "TxUpdatedInterval", "0"),
                           ("SampledDataCtrlr", "TxEndedInterval", "1"),
                           ("SampledDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register"),
                           ("AlignedDataCtrlr", "TxEndedInterval", "2"),
                           ("AlignedDataCtrlr", "TxEndedMeasurands", "Voltage")))
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "ENDED"})
    await station.until(lambda c: c["contactor_closed"])
    await asyncio.sleep(4.5)
    await station.post("/ev", {"connector": 1, "state": "A"})
    ended = (await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                               if e["eventType"] == "Ended"]))[0]
    assert not [e for e in csms201.actions("TransactionEvent") if e["triggerReason"] == "MeterValuePeriodic"]
    by_context = {}
    for mv in ended["meterValue"]:
        for sv in mv["sampledValue"]:
            by_context.setdefault(sv["context"], []).append((mv["timestamp"], sv["measurand"]))
    assert len(by_context["Sample.Periodic"]) >= 3  # every second of the transaction
    assert {m for _, m in by_context["Sample.Periodic"]} == {"Energy.Active.Import.Register"}
    assert len(by_context["Sample.Clock"]) >= 1 and {m for _, m in by_context["Sample.Clock"]} == {"Voltage"}
    assert all(datetime.fromisoformat(t.replace("Z", "+00:00")).second % 2 == 0 for t, _ in by_context["Sample.Clock"])
    assert "Transaction.End" in by_context
    stamps = [mv["timestamp"] for mv in ended["meterValue"]]
    assert stamps[-1] == max(stamps)  # the end value last
