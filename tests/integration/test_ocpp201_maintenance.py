"""OCPP 2.0.1 logs (N01), customer information (N09, N10) and triggered messages (F06), `evse run` as a process."""

from ocpp.v201 import call

from upload_server import UploadServer

TAG = "04A1B2C3"


def log_statuses(csms, request_id):
    return [p["status"] for p in csms.actions("LogStatusNotification") if p.get("requestId") == request_id]


async def test_security_log_upload_and_a_bad_location(csms201, station):  # TC_N_25, TC_N_26 (GetLog, N01)
    server = UploadServer()
    await server.start()
    try:
        cp = csms201.charge_points["CP001"]
        answer = await cp.call(call.GetLog(log_type="SecurityLog", request_id=4, log={"remoteLocation": server.url}))
        assert answer.status == "Accepted" and answer.filename.startswith("CP001-SecurityLog-")
        await csms201.wait_for(lambda c: log_statuses(c, 4)[-1:] == ["Uploaded"], 15)
        assert log_statuses(csms201, 4) == ["Uploading", "Uploaded"]
        name, body = server.files[0]
        assert name == answer.filename and b"StartupOfTheDevice" in body
        bad = await cp.call(call.GetLog(log_type="DiagnosticsLog", request_id=5, log={"remoteLocation": "nowhere"}))
        assert bad.status == "Rejected"
        idle = await cp.call(call.TriggerMessage(requested_message="LogStatusNotification"))
        assert idle.status == "Accepted"
        await csms201.wait_for(lambda c: [p for p in c.actions("LogStatusNotification") if p["status"] == "Idle"])
    finally:
        await server.runner.cleanup()


def customer_data(csms, request_id) -> str:
    parts = [p for p in csms.actions("NotifyCustomerInformation") if p["requestId"] == request_id]
    assert [p["seqNo"] for p in parts] == list(range(len(parts)))
    return "".join(p["data"] for p in parts)


async def test_customer_information_report_and_clear(csms201, station):  # TC_N_32, TC_N_33, TC_N_34, TC_N_46
    cp = csms201.charge_points["CP001"]
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": TAG})
    await station.until(lambda c: c["contactor_closed"])  # Authorize answered: the tag is in the cache
    token = {"idToken": TAG, "type": "ISO14443"}
    assert (await cp.call(call.CustomerInformation(request_id=1, report=True, clear=False))).status == "Invalid"
    assert (await cp.call(call.CustomerInformation(request_id=2, report=True, clear=False,
                                                   id_token=token))).status == "Accepted"
    report = await csms201.wait_for(lambda c: customer_data(c, 2))
    assert "authorization cache: Accepted" in report and "session in progress on connector 1" in report
    await station.post("/ev", {"connector": 1, "state": "A"})
    await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"])
    await station.until(lambda c: c["status"] == "Available")
    assert (await cp.call(call.CustomerInformation(request_id=3, report=True, clear=True,
                                                   id_token=token))).status == "Accepted"
    cleared = await csms201.wait_for(lambda c: customer_data(c, 3))
    assert "authorization cache" in cleared and "cleared: authorization cache entry removed" in cleared
    await cp.call(call.CustomerInformation(request_id=4, report=True, clear=False, id_token=token))
    assert await csms201.wait_for(lambda c: customer_data(c, 4)) == "no customer information stored"


async def test_every_core_trigger(csms201, station):  # TC_F_11 .. TC_F_20 (F06)
    cp = csms201.charge_points["CP001"]
    answers = {m: (await cp.call(call.TriggerMessage(requested_message=m))).status for m in (
        "BootNotification", "Heartbeat", "StatusNotification", "MeterValues", "FirmwareStatusNotification",
        "SignV2GCertificate")}
    assert answers == {"BootNotification": "Rejected", "Heartbeat": "Accepted", "StatusNotification": "Accepted",
                       "MeterValues": "Accepted", "FirmwareStatusNotification": "Accepted",
                       "SignV2GCertificate": "NotImplemented"}
    assert (await cp.call(call.TriggerMessage(requested_message="Heartbeat", evse={"id": 9}))).status == "Rejected"
    meter = await csms201.wait_for(lambda c: len(c.actions("MeterValues")) == 2 and c.actions("MeterValues"))
    assert sorted(m["evseId"] for m in meter) == [1, 2]
    assert all(sv["context"] == "Trigger" for m in meter for mv in m["meterValue"] for sv in mv["sampledValue"])
    await csms201.wait_for(lambda c: [f for f in c.actions("FirmwareStatusNotification") if f["status"] == "Idle"])
    await station.post("/ev", {"connector": 2, "state": "C"})
    await station.post("/rfid", {"connector": 2, "id_tag": TAG})
    await station.until(lambda c: c["contactor_closed"], cid=2)
    await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Started"])
    triggered = await cp.call(call.TriggerMessage(requested_message="TransactionEvent", evse={"id": 2}))
    assert triggered.status == "Accepted"
    events = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                               if e["triggerReason"] == "Trigger"])
    assert events[0]["eventType"] == "Updated" and events[0]["evse"]["id"] == 2
