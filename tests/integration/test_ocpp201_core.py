"""OCPP 2.0.1 with `evse run` as a process against an `ocpp.v201` CSMS (the first slice of Core)."""

import asyncio

import pytest
from ocpp.exceptions import SecurityError
from ocpp.v201 import call

from controller import ControllerProcess


async def test_boot_status_and_the_bench_speak_2_0_1(csms201, station):  # TC_B_01, TC_G_01
    boot = csms201.actions("BootNotification")[0]
    assert boot["reason"] == "PowerUp" and boot["chargingStation"]["vendorName"]
    statuses = {(p["evseId"], p["connectorId"]): p["connectorStatus"] for p in csms201.actions("StatusNotification")}
    assert statuses == {(1, 1): "Available", (2, 1): "Available"}
    status = await station.status()
    assert status["ocpp"]["version"] == "2.0.1" and status["ocpp"]["connected"]
    assert [(c["evse_id"], c["connector_id"], c["status"]) for c in status["connectors"]] == [
        (1, 1, "Available"), (2, 1, "Available")]


async def test_a_card_session_is_one_transaction_with_contiguous_seq_numbers(csms201, station):  # TC_E_01..
    cp = csms201.charge_points["CP001"]
    await cp.call(call.SetVariables(set_variable_data=[{
        "component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"},
        "attributeValue": "1"}]))
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
    await station.until(lambda c: c["contactor_closed"] and c["status"] == "Occupied")
    assert csms201.actions("Authorize")[0]["idToken"] == {"idToken": "04A1B2C3", "type": "ISO14443"}
    await csms201.wait_for(lambda c: len([e for e in c.actions("TransactionEvent")
                                          if e["triggerReason"] == "MeterValuePeriodic"]) >= 2, 10)
    await station.post("/ev", {"connector": 1, "state": "A"})
    ended = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"])
    events = csms201.actions("TransactionEvent")
    assert events[0]["eventType"] == "Started" and events[0]["idToken"]["idToken"] == "04A1B2C3"
    assert events[0]["numberOfPhasesUsed"] == 3 and events[0]["cableMaxCurrent"] > 0
    assert [e["seqNo"] for e in events] == list(range(len(events)))
    assert len({e["transactionInfo"]["transactionId"] for e in events}) == 1
    assert ended[0]["transactionInfo"]["stoppedReason"] == "EVDisconnected"
    assert ended[0]["triggerReason"] == "EVDeparted"
    energies = [sv["value"] for e in events for mv in e.get("meterValue", []) for sv in mv["sampledValue"]
                if sv.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register"]
    assert energies == sorted(energies) and energies[-1] > energies[0]


async def test_remote_start_and_stop(csms201, station):  # TC_F_01, TC_F_03
    cp = csms201.charge_points["CP001"]
    await station.post("/ev", {"connector": 2, "state": "C"})
    answer = await cp.call(call.RequestStartTransaction(id_token={"idToken": "REMOTE1", "type": "Central"},
                                                        remote_start_id=7, evse_id=2))
    assert answer.status == "Accepted"
    await station.until(lambda c: c["contactor_closed"], cid=2)
    started = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                                if e["eventType"] == "Started"])
    tx = started[0]["transactionInfo"]["transactionId"]
    assert (await station.connector(2))["session"]["transaction_id"] == tx
    with_token = next(e for e in csms201.actions("TransactionEvent") if e.get("idToken"))
    assert with_token["idToken"] == {"idToken": "REMOTE1", "type": "Central"}  # the type the CSMS gave
    assert with_token["transactionInfo"]["remoteStartId"] == 7  # the request that began it
    assert (await cp.call(call.RequestStopTransaction(transaction_id=tx))).status == "Accepted"
    ended = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"])
    assert ended[0]["transactionInfo"]["stoppedReason"] == "Remote"
    assert (await cp.call(call.RequestStopTransaction(transaction_id="no-such-tx"))).status == "Rejected"


async def test_get_and_set_variables_with_every_status(csms201, station):  # TC_B_06.., TC_B_09..
    cp = csms201.charge_points["CP001"]
    answer = await cp.call(call.SetVariables(set_variable_data=[
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}, "attributeValue": "90"},
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}, "attributeValue": "x"},
        {"component": {"name": "Nope"}, "variable": {"name": "X"}, "attributeValue": "1"},
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "Nope"}, "attributeValue": "1"},
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}, "attributeValue": "9",
         "attributeType": "Target"},
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "WebSocketPingInterval"},
         "attributeValue": "20"},
    ]))
    assert [r["attribute_status"] for r in answer.set_variable_result] == [
        "Accepted", "Rejected", "UnknownComponent", "UnknownVariable", "NotSupportedAttributeType", "RebootRequired"]
    got = await cp.call(call.GetVariables(get_variable_data=[
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}},
        {"component": {"name": "EVSE", "evse": {"id": 2}}, "variable": {"name": "AvailabilityState"}},
    ]))
    assert [(r["attribute_status"], r.get("attribute_value")) for r in got.get_variable_result] == [
        ("Accepted", "90"), ("Accepted", "Available")]


async def test_get_base_report_arrives_as_notify_reports(csms201, station):  # TC_B_12, TC_B_13
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(call.GetBaseReport(request_id=5, report_base="FullInventory"))).status == "Accepted"
    reports = await csms201.wait_for(lambda c: [r for r in c.actions("NotifyReport") if not r.get("tbc")], 10)
    parts = [r for r in csms201.actions("NotifyReport") if r["requestId"] == 5]
    assert [r["seqNo"] for r in parts] == list(range(len(parts))) and reports
    names = {(d["component"]["name"], d["variable"]["name"]) for r in parts for d in r["reportData"]}
    assert ("TxCtrlr", "TxStartPoint") in names and ("Connector", "ConnectorType") in names


async def test_get_report_with_criteria_and_live_availability(csms201, station):  # TC_B_16-19, TC_B_54-56
    cp = csms201.charge_points["CP001"]
    off = await cp.call(call.ChangeAvailability(operational_status="Inoperative", evse={"id": 2}))
    assert off.status == "Accepted"
    answer = await cp.call(call.GetReport(request_id=8, component_variable=[
        {"component": {"name": "EVSE"}, "variable": {"name": "AvailabilityState"}}]))
    assert answer.status == "Accepted"
    parts = await csms201.wait_for(lambda c: [r for r in c.actions("NotifyReport") if r["requestId"] == 8], 10)
    states = {d["component"]["evse"]["id"]: d["variableAttribute"][0]["value"] for d in parts[0]["reportData"]}
    assert states == {1: "Available", 2: "Unavailable"}  # what the EVSEs are now, not a stored default
    enabled = await cp.call(call.GetReport(request_id=9, component_criteria=["Enabled"]))
    assert enabled.status == "Accepted"
    empty = await cp.call(call.GetReport(request_id=10, component_variable=[{"component": {"name": "Nope"}}]))
    assert empty.status == "EmptyResultSet"
    await csms201.wait_for(lambda c: [r for r in c.actions("NotifyReport") if r["requestId"] == 9], 10)
    assert not [r for r in csms201.actions("NotifyReport") if r["requestId"] == 10]


async def test_the_hardware_in_the_device_model_is_live(csms201, station):
    """The contactor, RCD, meter, e-stop of the board as standardized components, read when asked."""
    cp = csms201.charge_points["CP001"]

    async def read(*wanted):
        got = await cp.call(call.GetVariables(get_variable_data=[
            {"component": {"name": c, **({"evse": {"id": e}} if e else {})}, "variable": {"name": n}}
            for c, n, e in wanted]))
        return [r.get("attribute_value") for r in got.get_variable_result]

    wanted = (("PowerContactor", "Active", 1), ("RCD", "Tripped", 1), ("EmergencyStopSensor", "Active", None))
    assert await read(*wanted) == ["false", "false", "false"]
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "LIVE"})
    await station.until(lambda c: c["contactor_closed"] and c["meter"]["power_w"] > 0)
    active, power = await read(("PowerContactor", "Active", 1), ("EVSE", "Power", 1))
    assert active == "true" and float(power) > 0
    await station.post("/fault", {"connector": 1, "kind": "rcd", "active": True})
    await station.post("/fault", {"kind": "estop", "active": True})
    await station.until(lambda c: not c["contactor_closed"])
    assert await read(*wanted) == ["false", "true", "true"]


async def test_a_bad_frame_gets_2_0_1_words_and_the_link_stays(csms201, station):
    await csms201.send_raw("CP001", "[" * 500 + "]" * 500)
    answer = await csms201.wait_response("-1")
    assert answer[2] == "RpcFrameworkError"
    await asyncio.sleep(0.2)
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(call.ClearCache())).status == "Accepted"
    assert len(csms201.actions("BootNotification")) == 1


async def test_while_pending_nothing_starts_and_a_triggered_status_goes_at_once(csms201, tmp_path):  # TC_B_02
    csms201.boot_answer = ("Pending", 60)
    proc = ControllerProcess(csms201.url, tmp_path / "pending", ocpp_version="2.0.1")
    await proc.start()
    try:
        cp = await csms201.wait_connected("CP001")
        await csms201.wait_for(lambda c: c.actions("BootNotification"))
        answer = await cp.call(call.RequestStartTransaction(id_token={"idToken": "T", "type": "Central"},
                                                            remote_start_id=1, evse_id=1))
        assert answer.status == "Rejected"
        assert (await cp.call(call.TriggerMessage(requested_message="StatusNotification",
                                                  evse={"id": 1, "connectorId": 1}))).status == "Accepted"
        status = (await csms201.wait_for(lambda c: c.actions("StatusNotification"), 5))[0]
        assert status["evseId"] == 1 and status["connectorStatus"] == "Available"
        assert not csms201.actions("TransactionEvent")
    finally:
        await proc.close()


async def test_rejected_then_accepted_after_the_interval(csms201, tmp_path):  # TC_B_03, TC_B_30
    csms201.boot_answer = ("Rejected", 2)
    proc = ControllerProcess(csms201.url, tmp_path / "rejected", ocpp_version="2.0.1")
    await proc.start()
    try:
        cp = await csms201.wait_connected("CP001")
        await csms201.wait_for(lambda c: c.message_ids and c.message_ids[0] in c.answers)  # Rejected went out
        await asyncio.sleep(0.3)  # and was read by the station
        with pytest.raises(SecurityError):  # while Rejected, the CSMS's requests are refused
            await cp.call(call.GetVariables(get_variable_data=[
                {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}}]), suppress=False)
        assert [a for a, _ in csms201.received] == ["BootNotification"]  # and nothing else is sent
        csms201.boot_answer = ("Accepted", 300)
        await csms201.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 10)  # after the interval
        await csms201.wait_for(lambda c: len(c.actions("StatusNotification")) == 2, 10)
        assert (await cp.call(call.ClearCache())).status == "Accepted"
    finally:
        await proc.close()


async def test_change_availability_of_an_evse_and_the_station(csms201, station):  # TC_G_03..G_06
    cp = csms201.charge_points["CP001"]
    answer = await cp.call(call.ChangeAvailability(operational_status="Inoperative", evse={"id": 2}))
    assert answer.status == "Accepted"
    await csms201.wait_for(lambda c: [p for p in c.actions("StatusNotification")
                                      if p["evseId"] == 2 and p["connectorStatus"] == "Unavailable"])
    assert (await station.connector(2))["status"] == "Unavailable"
    assert (await station.connector(1))["status"] == "Available"
    answer = await cp.call(call.ChangeAvailability(operational_status="Operative", evse={"id": 2}))
    assert answer.status == "Accepted"
    await station.until(lambda c: c["status"] == "Available", cid=2)
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "BUSY"})
    await station.until(lambda c: c["contactor_closed"])
    answer = await cp.call(call.ChangeAvailability(operational_status="Inoperative"))
    assert answer.status == "Scheduled"  # a transaction runs on EVSE 1: it applies when that ends
    await station.until(lambda c: c["status"] == "Unavailable", cid=2)
    assert (await station.connector(1))["contactor_closed"]
    assert (await cp.call(call.ChangeAvailability(operational_status="Inoperative", evse={"id": 9}))).status \
        == "Rejected"


async def test_unlock_and_transaction_status(csms201, station):  # TC_F_05/06/07, TC_E_14
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(call.UnlockConnector(evse_id=1, connector_id=1))).status == "Unlocked"
    assert (await cp.call(call.UnlockConnector(evse_id=1, connector_id=2))).status == "UnknownConnector"
    assert (await cp.call(call.UnlockConnector(evse_id=7, connector_id=1))).status == "UnknownConnector"
    status = await cp.call(call.GetTransactionStatus())
    assert status.messages_in_queue is False
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "TXS"})
    started = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                                if e["eventType"] == "Started"])
    tx = started[0]["transactionInfo"]["transactionId"]
    status = await cp.call(call.GetTransactionStatus(transaction_id=tx))
    assert status.ongoing_indicator is True
    answer = await cp.call(call.UnlockConnector(evse_id=1, connector_id=1))
    assert answer.status == "OngoingAuthorizedTransaction"  # TC_F_05
    assert (await station.connector(1))["contactor_closed"]
    await station.post("/ev", {"connector": 1, "state": "A"})
    await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"])
    await asyncio.sleep(0.3)
    status = await cp.call(call.GetTransactionStatus(transaction_id=tx))
    assert status.ongoing_indicator is False and status.messages_in_queue is False


async def test_reset_on_idle_waits_for_the_transaction_then_restarts(csms201, station):  # TC_B_21
    cp = csms201.charge_points["CP001"]
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "IDLE"})
    await station.until(lambda c: c["contactor_closed"])
    assert (await cp.call(call.Reset(type="OnIdle"))).status == "Scheduled"
    await asyncio.sleep(1.5)
    assert (await station.connector(1))["contactor_closed"]  # not while it charges
    assert len(csms201.actions("BootNotification")) == 1
    await station.post("/ev", {"connector": 1, "state": "A"})
    await csms201.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)  # restarted in place
    ended = [e for e in csms201.actions("TransactionEvent") if e["eventType"] == "Ended"]
    assert ended and ended[0]["transactionInfo"]["stoppedReason"] == "EVDisconnected"


async def test_reset_of_one_evse(csms201, station):  # TC_B_26, TC_B_27, TC_B_28
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(call.Reset(type="Immediate", evse_id=7))).status == "Rejected"
    for cid in (1, 2):
        await station.post("/ev", {"connector": cid, "state": "C"})
        await station.post("/rfid", {"connector": cid, "id_tag": f"EVSE{cid}"})
        await station.until(lambda c: c["contactor_closed"], cid=cid)
    assert (await cp.call(call.Reset(type="OnIdle", evse_id=1))).status == "Scheduled"
    assert (await cp.call(call.Reset(type="Immediate", evse_id=2))).status == "Accepted"
    ended = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"])
    assert ended[0]["evse"]["id"] == 2 and ended[0]["transactionInfo"]["stoppedReason"] == "ImmediateReset"
    assert (await station.connector(1))["contactor_closed"]  # EVSE 1 waits for its transaction
    await csms201.wait_for(lambda c: [s["connectorStatus"] for s in c.actions("StatusNotification")
                                      if s["evseId"] == 2][-2:] == ["Unavailable", "Occupied"], 15)
    await station.post("/ev", {"connector": 1, "state": "A"})
    await csms201.wait_for(lambda c: [s["connectorStatus"] for s in c.actions("StatusNotification")
                                      if s["evseId"] == 1][-2:] == ["Unavailable", "Available"], 15)
    assert len(csms201.actions("BootNotification")) == 1  # the station itself did not restart


async def test_an_unavailable_evse_stays_so_across_a_reset(csms201, station):  # TC_B_24, TC_G_07, TC_G_08
    cp = csms201.charge_points["CP001"]
    two = await cp.call(call.ChangeAvailability(operational_status="Inoperative", evse={"id": 1, "connectorId": 2}))
    assert two.status == "Rejected"  # no such connector
    one = {"id": 1, "connectorId": 1}
    assert (await cp.call(call.ChangeAvailability(operational_status="Inoperative", evse=one))).status == "Accepted"
    await station.until(lambda c: c["status"] == "Unavailable")
    assert (await cp.call(call.ChangeAvailability(operational_status="Operative", evse=one))).status == "Accepted"
    await station.until(lambda c: c["status"] == "Available")
    off = await cp.call(call.ChangeAvailability(operational_status="Inoperative", evse={"id": 2}))
    assert off.status == "Accepted"
    assert (await cp.call(call.Reset(type="Immediate"))).status == "Accepted"
    await csms201.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)
    boot_at = [a for a, _ in csms201.received].index("BootNotification", 1)
    await csms201.wait_for(lambda c: len([p for a, p in c.received[boot_at:] if a == "StatusNotification"]) == 2)
    after = {p["evseId"]: p["connectorStatus"] for a, p in csms201.received[boot_at:] if a == "StatusNotification"}
    assert after == {1: "Available", 2: "Unavailable"}  # told so at once after the restart
    await station.wait_api()
    assert [c["status"] for c in (await station.status())["connectors"]] == ["Available", "Unavailable"]


async def set_points(cp, start, stop):
    answer = await cp.call(call.SetVariables(set_variable_data=[
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}, "attributeValue": start},
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStopPoint"}, "attributeValue": stop}]))
    assert [r["attribute_status"] for r in answer.set_variable_result] == ["Accepted", "Accepted"]


async def test_a_transaction_from_plug_in_to_unplug(csms201, station):  # TC_E_09, TC_E_06
    cp = csms201.charge_points["CP001"]
    await set_points(cp, "EVConnected", "EVConnected")
    await station.post("/ev", {"connector": 1, "state": "B"})
    started = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                                if e["eventType"] == "Started"])
    assert started[0]["triggerReason"] == "CablePluggedIn" and "idToken" not in started[0]
    await station.post("/rfid", {"connector": 1, "id_tag": "PLUGFIRST"})
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.until(lambda c: c["contactor_closed"])
    await station.post("/rfid", {"connector": 1, "id_tag": "PLUGFIRST"})  # the card stops charging...
    await station.until(lambda c: not c["contactor_closed"] and c["session"] is None)
    await asyncio.sleep(0.5)
    events = csms201.actions("TransactionEvent")
    assert not [e for e in events if e["eventType"] == "Ended"]  # ...but the transaction lasts to the unplug
    assert any(e.get("idToken", {}).get("idToken") == "PLUGFIRST" and e["triggerReason"] == "Authorized"
               for e in events)
    await station.post("/ev", {"connector": 1, "state": "A"})
    ended = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"])
    assert ended[0]["triggerReason"] == "EVDeparted"
    events = csms201.actions("TransactionEvent")
    assert len({e["transactionInfo"]["transactionId"] for e in events}) == 1
    assert [e["seqNo"] for e in events] == list(range(len(events)))


async def test_an_authorization_without_a_plug_ends_at_the_connection_timeout(csms201, station):  # TC_E_05
    cp = csms201.charge_points["CP001"]
    await set_points(cp, "Authorized", "EVConnected,Authorized")
    await cp.call(call.SetVariables(set_variable_data=[
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}, "attributeValue": "2"}]))
    await station.post("/rfid", {"connector": 2, "id_tag": "NOPLUG"})
    started = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                                if e["eventType"] == "Started"])
    assert started[0]["triggerReason"] == "Authorized" and started[0]["idToken"]["idToken"] == "NOPLUG"
    ended = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                              if e["eventType"] == "Ended"], 10)
    assert ended[0]["triggerReason"] == "EVConnectTimeout" and ended[0]["transactionInfo"]["stoppedReason"] == "Timeout"


async def test_a_transaction_begun_before_any_session_is_ended_after_a_kill(csms201, station):
    """TxStartPoint EVConnected: plugged in, no session yet, kill -9. The restart ends that transaction
    (PowerLoss) and the EV still on the cable starts a new one."""
    import signal

    cp = csms201.charge_points["CP001"]
    await set_points(cp, "EVConnected", "EVConnected")
    await station.post("/ev", {"connector": 1, "state": "B"})
    first = (await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                               if e["eventType"] == "Started"]))[0]
    station.proc.send_signal(signal.SIGKILL)
    await station.proc.wait()
    await station.start()
    tx = first["transactionInfo"]["transactionId"]
    ended = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"
                                              and e["transactionInfo"]["transactionId"] == tx], 15)
    assert ended[0]["transactionInfo"]["stoppedReason"] == "PowerLoss"
    again = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Started"
                                              and e["transactionInfo"]["transactionId"] != tx], 15)
    assert again[0]["triggerReason"] == "CablePluggedIn"
    sent = {m: p for m, (a, p) in zip(csms201.message_ids, csms201.received) if a == "TransactionEvent"}
    first_tx = sorted(p["seqNo"] for p in sent.values() if p["transactionInfo"]["transactionId"] == tx)
    assert first_tx == list(range(len(first_tx)))  # a resend after the kill keeps its message id
