"""Our frames checked by an independent implementation: npm's ocpp-rpc in strict mode, which validates
every CALL we send and every answer we give against the OCA schemas (both versions)."""

import pytest

from controller import ControllerProcess
from independent_csms import StrictCsms

BAD_CERT = "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n"
REQUESTS_201 = [
    ("GetVariables", {"getVariableData": [
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}},
        {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "AvailabilityState"}},
        {"component": {"name": "Nope"}, "variable": {"name": "X"}}]}),
    ("SetVariables", {"setVariableData": [
        {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"}, "attributeValue": "1"},
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "Nope"}, "attributeValue": "1"}]}),
    ("GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}),
    ("GetBaseReport", {"requestId": 2, "reportBase": "SummaryInventory"}),
    ("TriggerMessage", {"requestedMessage": "StatusNotification"}),
    ("TriggerMessage", {"requestedMessage": "MeterValues", "evse": {"id": 1}}),
    ("TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"}),
    ("TriggerMessage", {"requestedMessage": "LogStatusNotification"}),
    ("TriggerMessage", {"requestedMessage": "Heartbeat"}),
    ("TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}),
    ("ClearCache", {}),
    ("DataTransfer", {"vendorId": "Someone"}),
    ("GetInstalledCertificateIds", {}),
    ("InstallCertificate", {"certificateType": "CSMSRootCertificate", "certificate": BAD_CERT}),
    ("SetNetworkProfile", {"configurationSlot": 3, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": "ws://192.0.2.1/ocpp", "messageTimeout": 30,
        "securityProfile": 0, "ocppInterface": "Wired0"}}),
    ("GetLog", {"logType": "SecurityLog", "requestId": 5, "log": {"remoteLocation": "nowhere"}}),
    ("CustomerInformation", {"requestId": 6, "report": True, "clear": False,
                             "idToken": {"idToken": "04A1B2C3", "type": "ISO14443"}}),
    ("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}}),
    ("ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 2}}),
    ("UnlockConnector", {"evseId": 2, "connectorId": 1}),
    ("GetTransactionStatus", {}),
    ("Reset", {"type": "OnIdle", "evseId": 2}),
]


@pytest.fixture
async def strict():
    csms = StrictCsms()
    await csms.start()
    yield csms
    await csms.stop()
    print("---- what ocpp-rpc saw ----\n" + "\n".join(str(x)[:300] for x in csms.lines))


async def test_2_0_1_frames_pass_ocpp_rpc_strict_mode(strict, tmp_path):
    ctl = ControllerProcess(strict.url, tmp_path / "data", ocpp_version="2.0.1")
    try:
        await ctl.start()
        await strict.wait_for(lambda lines: len({c["params"]["evseId"] for c in lines
                                                 if c.get("call") == "StatusNotification"}) == 2)
        answers = [await strict.call(method, params) for method, params in REQUESTS_201]
        assert [a["method"] for a in answers if "error" in a] == []
        await ctl.post("/ev", {"connector": 1, "state": "C"})
        await ctl.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
        await strict.wait_for(lambda lines: [x for x in lines if x.get("call") == "TransactionEvent"
                                             and x["params"]["triggerReason"] == "MeterValuePeriodic"], 20)
        started = strict.calls("TransactionEvent")[0]["transactionInfo"]["transactionId"]
        for method, params in [("TriggerMessage", {"requestedMessage": "TransactionEvent", "evse": {"id": 1}}),
                               ("GetTransactionStatus", {"transactionId": started}),
                               ("RequestStopTransaction", {"transactionId": started})]:
            assert "response" in await strict.call(method, params)
        await strict.wait_for(lambda lines: [x for x in lines if x.get("call") == "TransactionEvent"
                                             and x["params"]["eventType"] == "Ended"], 15)
        await strict.wait_for(lambda lines: len([x for x in lines if x.get("call") == "NotifyReport"
                                                 and not x["params"].get("tbc")]) == 2)
        seen = {x["call"] for x in strict.lines if "call" in x}
        assert {"BootNotification", "StatusNotification", "Authorize", "TransactionEvent", "NotifyReport",
                "MeterValues", "FirmwareStatusNotification", "LogStatusNotification", "Heartbeat",
                "SignCertificate", "SecurityEventNotification", "NotifyCustomerInformation"} <= seen
        assert strict.failures() == []
    finally:
        await ctl.close()


async def test_1_6_frames_pass_ocpp_rpc_strict_mode(strict, tmp_path):
    ctl = ControllerProcess(strict.url, tmp_path / "data")
    try:
        await ctl.start()
        await strict.wait_for(lambda lines: len(strict.calls("StatusNotification")) >= 3)
        for method, params in [
            ("GetConfiguration", {}), ("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "1"}),
            ("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1}),
            ("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}),
            ("GetLocalListVersion", {}), ("ClearCache", {}), ("GetInstalledCertificateIds",
                                                             {"certificateType": "CentralSystemRootCertificate"}),
            ("GetCompositeSchedule", {"connectorId": 1, "duration": 600}),
            ("DataTransfer", {"vendorId": "Someone"}), ("UnlockConnector", {"connectorId": 2}),
        ]:
            answer = await strict.call(method, params)
            assert "response" in answer, answer
        await ctl.post("/ev", {"connector": 1, "state": "C"})
        await ctl.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
        await strict.wait_for(lambda lines: len(strict.calls("MeterValues")) >= 3, 20)
        assert "response" in await strict.call("RemoteStopTransaction", {"transactionId": 1})
        await strict.wait_for(lambda lines: strict.calls("StopTransaction"), 15)
        seen = {x["call"] for x in strict.lines if "call" in x}
        assert {"BootNotification", "StatusNotification", "Authorize", "StartTransaction", "MeterValues",
                "StopTransaction", "SignCertificate", "SecurityEventNotification"} <= seen
        assert strict.failures() == []
    finally:
        await ctl.close()
