"""OCPP 2.0.1 conformance cases that are variations of one another, compactly, against `evse run`."""

import asyncio

import pytest
from ocpp.v201 import call


def set_var(component: str, name: str, value: str) -> call.SetVariables:
    return call.SetVariables(set_variable_data=[{"component": {"name": component}, "variable": {"name": name},
                                                 "attributeValue": value}])


def events(csms, kind=None) -> list[dict]:
    return [e for e in csms.actions("TransactionEvent") if kind is None or e["eventType"] == kind]


@pytest.mark.parametrize("status", ["Invalid", "Blocked", "Expired", "Unknown", "NoCredit"])
async def test_a_refused_token_starts_nothing(csms201, station, status):  # TC_C_02, TC_C_05, TC_C_06, TC_C_07
    csms201.tags["REFUSED"] = {"status": status}
    await station.post("/ev", {"connector": 1, "state": "B"})
    await station.post("/rfid", {"connector": 1, "id_tag": "REFUSED"})
    await csms201.wait_for(lambda c: c.actions("Authorize"))
    await asyncio.sleep(0.5)
    connector = await station.connector(1)
    assert not connector["contactor_closed"] and connector["session"] is None and not events(csms201)


@pytest.mark.parametrize("cached, online, starts", [  # TC_C_09, TC_C_10, TC_C_11, TC_C_12
    ("Invalid", "Invalid", False), ("Blocked", "Blocked", False), ("Expired", "Expired", False),
    ("Invalid", "Accepted", True)])
async def test_the_cache_asks_again_for_what_it_does_not_accept(csms201, station, cached, online, starts):
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("AuthCtrlr", "LocalPreAuthorize", "true"))
    csms201.tags["TAG"] = {"status": cached}
    await station.post("/rfid", {"connector": 1, "id_tag": "TAG"})  # answered and cached
    await csms201.wait_for(lambda c: len(c.actions("Authorize")) == 1)
    await asyncio.sleep(0.5)  # the answer is made after the request is recorded: let it go out first
    csms201.tags["TAG"] = {"status": online}
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    await csms201.wait_for(lambda c: len(c.actions("Authorize")) == 2)  # not accepted by the cache: asked
    await asyncio.sleep(0.5)
    assert (await station.connector(1))["contactor_closed"] is starts


async def test_get_transaction_status_in_every_state(csms201, station):  # TC_E_29 .. TC_E_34
    cp = csms201.charge_points["CP001"]
    none = await cp.call(call.GetTransactionStatus())
    assert none.messages_in_queue is False and none.ongoing_indicator is None  # TC_E_34
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "STATUS"})
    tx = (await csms201.wait_for(lambda c: events(c, "Started")))[0]["transactionInfo"]["transactionId"]
    for _ in range(20):  # until the events of the start are all confirmed
        ongoing = await cp.call(call.GetTransactionStatus(transaction_id=tx))
        if not ongoing.messages_in_queue:
            break
        await asyncio.sleep(0.1)
    assert ongoing.ongoing_indicator is True and ongoing.messages_in_queue is False  # TC_E_30
    sent = csms201.counts["TransactionEvent"]
    csms201.refuse["TransactionEvent"] = "InternalError"  # a refused message stays in the queue
    await cp.call(set_var("SampledDataCtrlr", "TxUpdatedInterval", "1"))
    await csms201.wait_for(lambda c: c.counts["TransactionEvent"] > sent, 10)
    queued = await cp.call(call.GetTransactionStatus(transaction_id=tx))
    assert queued.ongoing_indicator is True and queued.messages_in_queue is True  # TC_E_29
    assert (await cp.call(call.GetTransactionStatus())).messages_in_queue is True  # TC_E_33
    await station.post("/ev", {"connector": 1, "state": "A"})
    await station.until(lambda c: c["session"] is None)
    ended = await cp.call(call.GetTransactionStatus(transaction_id=tx))
    assert ended.ongoing_indicator is False and ended.messages_in_queue is True  # TC_E_31, TC_E_32
    del csms201.refuse["TransactionEvent"]


async def test_remote_start_first_then_the_cable(csms201, station):  # TC_F_03, TC_E_13
    cp = csms201.charge_points["CP001"]
    answer = await cp.call(call.RequestStartTransaction(id_token={"idToken": "FIRST", "type": "Central"},
                                                        remote_start_id=11, evse_id=1))
    assert answer.status == "Accepted"
    await asyncio.sleep(0.5)
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.until(lambda c: c["contactor_closed"])
    started = (await csms201.wait_for(lambda c: events(c, "Started")))[0]
    assert started["transactionInfo"]["remoteStartId"] == 11


async def test_remote_start_first_and_no_cable(csms201, station):  # TC_F_04
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("TxCtrlr", "EVConnectionTimeOut", "2"))
    await cp.call(set_var("TxCtrlr", "TxStartPoint", "Authorized"))
    await cp.call(call.RequestStartTransaction(id_token={"idToken": "NOCABLE", "type": "Central"},
                                               remote_start_id=12, evse_id=1))
    started = (await csms201.wait_for(lambda c: events(c, "Started")))[0]
    assert started["triggerReason"] == "RemoteStart" and started["transactionInfo"]["remoteStartId"] == 12
    ended = (await csms201.wait_for(lambda c: events(c, "Ended"), 10))[0]
    assert ended["triggerReason"] == "EVConnectTimeout" and ended["transactionInfo"]["stoppedReason"] == "Timeout"


async def test_availability_every_way(csms201, station):  # TC_G_09 .. TC_G_19, TC_G_21
    cp = csms201.charge_points["CP001"]

    async def change(status, evse=None):
        return (await cp.call(call.ChangeAvailability(operational_status=status, evse=evse))).status

    def last(cid):
        return [s["connectorStatus"] for s in csms201.actions("StatusNotification") if s["evseId"] == cid][-1]

    assert await change("Operative", {"id": 1}) == "Accepted"  # TC_G_09: nothing to change
    assert await change("Operative") == "Accepted"  # TC_G_12
    assert await change("Inoperative", {"id": 1, "connectorId": 1}) == "Accepted"
    assert await change("Inoperative", {"id": 1, "connectorId": 1}) == "Accepted"  # TC_G_10, TC_G_16
    await csms201.wait_for(lambda c: last(1) == "Unavailable")
    assert await change("Inoperative") == "Accepted"
    assert await change("Inoperative") == "Accepted"  # TC_G_13
    await csms201.wait_for(lambda c: last(2) == "Unavailable")
    assert (await cp.call(call.Reset(type="Immediate"))).status == "Accepted"  # TC_G_19, TC_G_21
    await csms201.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)
    await station.wait_api()
    assert [c["status"] for c in (await station.status())["connectors"]] == ["Unavailable", "Unavailable"]
    cp = await csms201.wait_connected("CP001")
    assert await change("Operative") == "Accepted"
    await station.until(lambda c: c["status"] == "Available", cid=2)
    await station.post("/ev", {"connector": 2, "state": "C"})
    await station.post("/rfid", {"connector": 2, "id_tag": "BUSY"})
    await station.until(lambda c: c["contactor_closed"], cid=2)
    for evse in ({"id": 2}, None, {"id": 2, "connectorId": 1}):  # TC_G_11, TC_G_14/15, TC_G_17/18
        assert await change("Inoperative", evse) == "Scheduled"
    assert (await station.connector(2))["contactor_closed"]  # the transaction goes on
    await station.post("/ev", {"connector": 2, "state": "A"})
    await station.until(lambda c: c["status"] == "Unavailable", cid=2)  # then it applies


async def test_triggered_messages_of_every_evse(csms201, station):  # TC_F_14, TC_F_23, TC_F_24
    cp = csms201.charge_points["CP001"]
    for cid in (1, 2):
        await station.post("/ev", {"connector": cid, "state": "C"})
        await station.post("/rfid", {"connector": cid, "id_tag": f"T{cid}"})
        await station.until(lambda c: c["contactor_closed"], cid=cid)
    await csms201.wait_for(lambda c: len(events(c, "Started")) == 2)
    assert (await cp.call(call.TriggerMessage(requested_message="TransactionEvent"))).status == "Accepted"
    triggered = await csms201.wait_for(lambda c: len([e for e in events(c) if e["triggerReason"] == "Trigger"]) == 2
                                       and [e for e in events(c) if e["triggerReason"] == "Trigger"])
    assert sorted(e["evse"]["id"] for e in triggered) == [1, 2]  # TC_F_14: every EVSE's transaction
    before = len(csms201.actions("StatusNotification"))
    await cp.call(call.TriggerMessage(requested_message="StatusNotification", evse={"id": 2, "connectorId": 1}))
    status = await csms201.wait_for(lambda c: c.actions("StatusNotification")[before:])
    assert [(s["evseId"], s["connectorStatus"]) for s in status] == [(2, "Occupied")]  # TC_F_24


async def test_certificates_of_every_kind(csms201, station):  # TC_M_02-04, TC_M_14-20, TC_M_22
    from pki import CA, pem

    cp = csms201.charge_points["CP001"]
    roots = {kind: CA(kind) for kind in ("V2GRootCertificate", "MORootCertificate", "ManufacturerRootCertificate",
                                         "CSMSRootCertificate")}
    for kind, ca in roots.items():
        answer = await cp.call(call.InstallCertificate(certificate_type=kind, certificate=pem(ca.cert)))
        assert answer.status == "Accepted", kind
    for kind in roots:  # TC_M_14, TC_M_16, TC_M_17
        ids = await cp.call(call.GetInstalledCertificateIds(certificate_type=[kind]))
        assert [c["certificate_type"] for c in ids.certificate_hash_data_chain] == [kind]
    every = await cp.call(call.GetInstalledCertificateIds())
    assert len(every.certificate_hash_data_chain) == 4  # TC_M_18
    chain = await cp.call(call.GetInstalledCertificateIds(certificate_type=["V2GCertificateChain"]))
    assert chain.status == "NotFound"  # TC_M_15, TC_M_19: no V2G chain without ISO 15118
    mo = next(c for c in every.certificate_hash_data_chain if c["certificate_type"] == "MORootCertificate")
    deleted = await cp.call(call.DeleteCertificate(certificate_hash_data=mo["certificate_hash_data"]))
    again = await cp.call(call.DeleteCertificate(certificate_hash_data=mo["certificate_hash_data"]))
    assert (deleted.status, again.status) == ("Accepted", "NotFound")  # TC_M_20, TC_M_22


async def test_a_bad_chain_and_a_refused_sign_request(csms201, station):  # TC_A_14, TC_A_15
    cp = csms201.charge_points["CP001"]
    bad = await cp.call(call.CertificateSigned(certificate_chain="-----BEGIN CERTIFICATE-----\nAAAA\n"
                                                                 "-----END CERTIFICATE-----\n"))
    assert bad.status == "Rejected"
    await csms201.wait_for(lambda c: [e for e in c.actions("SecurityEventNotification")
                                      if e["type"] == "InvalidChargingStationCertificate"])  # 2.0.1's name
    await cp.call(set_var("SecurityCtrlr", "CertSigningWaitMinimum", "1"))
    csms201.sign_answer = "Rejected"
    assert (await cp.call(call.TriggerMessage(requested_message="SignChargingStationCertificate"))).status == \
        "Accepted"
    await csms201.wait_for(lambda c: len(c.csrs) == 1)
    await asyncio.sleep(2.5)
    assert len(csms201.csrs) == 1  # refused: not asked again


async def test_customer_data_by_other_identifiers_and_clear_without_report(csms201, station):  # TC_N_32, 62
    cp = csms201.charge_points["CP001"]
    await station.post("/rfid", {"connector": 1, "id_tag": "FORGET"})
    await csms201.wait_for(lambda c: c.actions("Authorize"))
    await asyncio.sleep(0.5)  # the answer, and so the cache entry, comes after the request is recorded
    token = {"idToken": "FORGET", "type": "ISO14443"}
    cleared = await cp.call(call.CustomerInformation(request_id=1, report=False, clear=True, id_token=token))
    assert cleared.status == "Accepted"
    await asyncio.sleep(0.5)
    assert not csms201.actions("NotifyCustomerInformation")  # TC_N_32: no report asked, none sent
    await cp.call(call.CustomerInformation(request_id=2, report=True, clear=False, id_token=token))
    await cp.call(call.CustomerInformation(request_id=3, report=True, clear=True, customer_identifier="C-77"))
    certificate = {"hashAlgorithm": "SHA256", "issuerNameHash": "ab" * 32, "issuerKeyHash": "cd" * 32,
                   "serialNumber": "1f"}  # TC_N_33, TC_N_63: no contract certificates are kept here
    await cp.call(call.CustomerInformation(request_id=4, report=True, clear=True, customer_certificate=certificate))
    reports = await csms201.wait_for(lambda c: len(c.actions("NotifyCustomerInformation")) == 3
                                     and c.actions("NotifyCustomerInformation"))
    assert {r["data"] for r in reports} == {"no customer information stored"}


async def test_a_second_log_request_cancels_the_first(csms201, station):  # TC_N_36, TC_N_37, TC_N_26
    cp = csms201.charge_points["CP001"]
    unreachable = {"remoteLocation": "http://127.0.0.1:9/upload"}
    first = await cp.call(call.GetLog(log_type="DiagnosticsLog", request_id=1, log=unreachable, retries=3,
                                      retry_interval=30))
    second = await cp.call(call.GetLog(log_type="DiagnosticsLog", request_id=2, log=unreachable, retries=0))
    assert (first.status, second.status) == ("Accepted", "AcceptedCanceled")
    failed = await csms201.wait_for(lambda c: [s for s in c.actions("LogStatusNotification")
                                               if s["requestId"] == 2 and s["status"] == "UploadFailure"], 15)
    assert failed


async def test_data_transfer_and_custom_data(csms201, station):  # TC_P_01, TC_P_03
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(call.DataTransfer(vendor_id="com.example"))).status == "UnknownVendorId"
    ours = await cp.call(call.DataTransfer(vendor_id="OpenChargeController", message_id="nope"))
    assert ours.status == "UnknownMessageId"
    custom = await cp.call(call.ClearCache(custom_data={"vendorId": "com.example", "anything": 1}))
    assert custom.status == "Accepted"  # customData is accepted and ignored


async def test_reset_immediate_ends_the_transactions_first(csms201, station):  # TC_B_23
    cp = csms201.charge_points["CP001"]
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "NOW"})
    await station.until(lambda c: c["contactor_closed"])
    assert (await cp.call(call.Reset(type="Immediate"))).status == "Accepted"
    ended = (await csms201.wait_for(lambda c: events(c, "Ended"), 10))[0]
    assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset" and ended["triggerReason"] == "ResetCommand"
    await csms201.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)


async def test_reset_on_idle_waits_for_every_transaction(csms201, station):  # TC_B_25, TC_B_41, TC_B_22
    cp = csms201.charge_points["CP001"]
    for cid in (1, 2):
        await station.post("/ev", {"connector": cid, "state": "C"})
        await station.post("/rfid", {"connector": cid, "id_tag": f"IDLE{cid}"})
        await station.until(lambda c: c["contactor_closed"], cid=cid)
    assert (await cp.call(call.Reset(type="OnIdle"))).status == "Scheduled"
    await station.post("/ev", {"connector": 1, "state": "A"})
    await csms201.wait_for(lambda c: events(c, "Ended"))
    await asyncio.sleep(2.0)
    assert len(csms201.actions("BootNotification")) == 1  # one transaction still runs
    await station.post("/ev", {"connector": 2, "state": "A"})
    await csms201.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)
    assert {e["transactionInfo"]["stoppedReason"] for e in events(csms201, "Ended")} == {"EVDisconnected"}


@pytest.mark.parametrize("max_energy", ["0", "50000"])
async def test_stop_on_invalid_id_wins_over_max_energy(csms201, station, max_energy):  # TC_C_18, TC_C_57
    csms201.rejected_tags.add("LATE-NO")
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("TxCtrlr", "MaxEnergyOnInvalidId", max_energy))
    await station.post("/ev", {"connector": 1, "state": "C"})
    await cp.call(call.RequestStartTransaction(id_token={"idToken": "LATE-NO", "type": "Central"},
                                               remote_start_id=5, evse_id=1))
    ended = (await csms201.wait_for(lambda c: events(c, "Ended"), 15))[0]
    assert ended["transactionInfo"]["stoppedReason"] == "DeAuthorized"


async def test_a_transaction_answer_updates_the_cache(csms201, station):  # TC_C_33, TC_C_34
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("AuthCtrlr", "LocalPreAuthorize", "true"))
    csms201.transaction_tags["CHANGES"] = {"status": "Blocked"}  # Authorize says Accepted, the Started answer not
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "CHANGES"})
    ended = (await csms201.wait_for(lambda c: events(c, "Ended"), 15))[0]
    assert ended["transactionInfo"]["stoppedReason"] == "DeAuthorized"
    await station.post("/ev", {"connector": 1, "state": "A"})
    await station.until(lambda c: c["status"] == "Available")
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "CHANGES"})
    await csms201.wait_for(lambda c: len([a for a in c.actions("Authorize") if a["idToken"]["idToken"] == "CHANGES"])
                           == 2)  # the cache holds Blocked now: no start from it, the CSMS is asked again


async def test_lock_failure_shows_faulted(csms201, station):  # TC_G_20
    await station.post("/ev", {"connector": 1, "state": "B"})
    await station.post("/fault", {"connector": 1, "kind": "lock", "active": True})
    await station.post("/rfid", {"connector": 1, "id_tag": "LOCKED"})
    await csms201.wait_for(lambda c: [s for s in c.actions("StatusNotification")
                                      if s["evseId"] == 1 and s["connectorStatus"] == "Faulted"], 15)
    assert not (await station.connector(1))["contactor_closed"]


async def test_energy_transfer_stop_point_and_a_suspending_ev(csms201, station):  # TC_E_22
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("TxCtrlr", "TxStopPoint", "EnergyTransfer"))
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "SUSPENDS"})
    await station.until(lambda c: c["contactor_closed"] and c["meter"]["power_w"] > 0)
    await csms201.wait_for(lambda c: events(c, "Started"))
    await station.post("/ev", {"connector": 1, "state": "B"})  # the EV stops taking energy
    ended = (await csms201.wait_for(lambda c: events(c, "Ended"), 15))[0]
    assert ended["transactionInfo"]["stoppedReason"] == "StoppedByEV"


async def test_triggered_statuses_while_uploading_and_downloading(csms201, station):  # TC_F_16, TC_F_19
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from pki import CA, pem

    async def stall(reader, writer):  # accepts, never answers: an upload or download under way
        await asyncio.sleep(3600)

    server = await asyncio.start_server(stall, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    cp = csms201.charge_points["CP001"]
    try:
        await cp.call(call.GetLog(log_type="DiagnosticsLog", request_id=21, log={"remoteLocation": url + "/up"}))
        await csms201.wait_for(lambda c: [s for s in c.actions("LogStatusNotification") if s["status"] == "Uploading"])
        await cp.call(call.TriggerMessage(requested_message="LogStatusNotification"))
        await csms201.wait_for(lambda c: len([s for s in c.actions("LogStatusNotification")
                                              if s == {"status": "Uploading", "requestId": 21}]) == 2)
        maker = CA("Manufacturer Root")
        signer = maker.issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Signer")]),
                             ec.generate_private_key(ec.SECP256R1()).public_key())
        await cp.call(call.InstallCertificate(certificate_type="ManufacturerRootCertificate",
                                              certificate=pem(maker.cert)))
        answer = await cp.call(call.UpdateFirmware(request_id=22, firmware={
            "location": url + "/fw.tar", "retrieveDateTime": "2020-01-01T00:00:00Z",
            "signingCertificate": pem(signer), "signature": "AA=="}))
        assert answer.status == "Accepted"
        await csms201.wait_for(lambda c: [s for s in c.actions("FirmwareStatusNotification")
                                          if s["status"] == "Downloading"])
        await cp.call(call.TriggerMessage(requested_message="FirmwareStatusNotification"))
        await csms201.wait_for(lambda c: len([s for s in c.actions("FirmwareStatusNotification")
                                              if s == {"status": "Downloading", "requestId": 22}]) == 2)
    finally:
        server.close()


async def test_too_many_or_too_big_get_and_set_variables_are_refused(csms201, station):  # B06, B07
    from ocpp.exceptions import OccurrenceConstraintViolationError

    cp = csms201.charge_points["CP001"]
    one = {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}}
    with pytest.raises(OccurrenceConstraintViolationError):  # ItemsPerMessage GetVariables is 100
        await cp.call(call.GetVariables(get_variable_data=[one] * 101), suppress=False)
    answer = await cp.call(call.GetVariables(get_variable_data=[one] * 100))
    assert len(answer.get_variable_result) == 100


@pytest.mark.parametrize("unlock", ["true", "false"])
async def test_a_cable_unplugged_at_the_ev_side(csms201, station, unlock):  # TC_E_24, TC_E_25
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", unlock))
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "MINE"})
    await station.until(lambda c: c["contactor_closed"] and c["cable_locked"])
    await station.post("/ev", {"connector": 1, "state": "A"})  # the cable stays in the socket
    ended = (await csms201.wait_for(lambda c: events(c, "Ended")))[0]
    assert ended["transactionInfo"]["stoppedReason"] == "EVDisconnected"
    await asyncio.sleep(0.5)
    connector = await station.connector(1)
    if unlock == "true":  # TC_E_24: released at once
        assert not connector["cable_locked"] and connector["cable_held_for"] is None
        return
    assert connector["cable_locked"] and connector["cable_held_for"] == "MINE"  # TC_E_25: kept for its driver
    await station.post("/rfid", {"connector": 1, "id_tag": "SOMEONE-ELSE"})
    await asyncio.sleep(0.5)
    assert (await station.connector(1))["cable_locked"]
    await station.post("/rfid", {"connector": 1, "id_tag": "MINE"})
    await station.until(lambda c: not c["cable_locked"])


async def test_a_firmware_download_is_tried_again_as_asked(csms201, station):  # L01: retries, retryInterval
    from integration.test_firmware_update import Manufacturer, request201, statuses201
    from pki import pem

    cp = csms201.charge_points["CP001"]
    maker = Manufacturer()
    root = call.InstallCertificate(certificate_type="ManufacturerRootCertificate", certificate=pem(maker.ca.cert))
    assert (await cp.call(root)).status == "Accepted"
    asked = request201("http://127.0.0.1:9/evse-9.9.9.tar", maker, "AA==", 7)  # nothing listens there
    again = call.UpdateFirmware(request_id=7, firmware=asked.firmware, retries=2, retry_interval=1)
    assert (await cp.call(again)).status == "Accepted"
    await csms201.wait_for(lambda c: statuses201(c, 7)[-1:] == ["DownloadFailed"], 20)
    assert statuses201(csms201, 7) == ["Downloading", "DownloadFailed"]
    tries = [line for line in station.log().splitlines() if "firmware download failed" in line]
    assert [t.split("(try ")[1][0] for t in tries] == ["1", "2", "3"]  # the first and two retries


async def test_the_ev_stack_asks_the_csms_for_certificates_and_their_status(csms201, station):  # TC_M_24-29
    exi = "gAAAAEVWIGNlcnRpZmljYXRlIGluc3RhbGxhdGlvbg=="
    status, answer = await station.post("/iso15118/ev-certificate", {"action": "Install", "exi": exi})
    assert status == 200 and answer == {"status": "Accepted", "exi": f"Install:{exi}"}  # passed through unread
    asked = csms201.actions("Get15118EVCertificate")[0]
    assert asked == {"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install", "exiRequest": exi}
    assert (await station.post("/iso15118/ev-certificate", {"action": "Update", "exi": exi}))[1]["status"] == "Accepted"
    assert (await station.post("/iso15118/ev-certificate", {"action": "Delete", "exi": exi}))[0] == 400
    certificate = {"hash_algorithm": "SHA256", "issuer_name_hash": "a" * 64, "issuer_key_hash": "b" * 64,
                   "serial_number": "1f2e3d", "responder_url": "http://ocsp.example.com"}
    status, answer = await station.post("/iso15118/certificate-status", certificate)
    assert status == 200 and answer == {"status": "Accepted", "ocsp_result": "good:1f2e3d"}
    assert csms201.actions("GetCertificateStatus")[0]["ocspRequestData"]["serialNumber"] == "1f2e3d"
    csms201.pki_status = "Failed"  # TC_M_25, 27, 29: the CSMS cannot help; the EV hears so
    failed = await station.post("/iso15118/ev-certificate", {"action": "Update", "exi": exi})
    assert failed[1]["status"] == "Failed"
    fresh = {**certificate, "serial_number": "77"}
    assert (await station.post("/iso15118/certificate-status", fresh))[1] == {"status": "Failed", "ocsp_result": None}
    await station.post("/network", {"connected": False})
    await station.wait_disconnected()
    assert (await station.post("/iso15118/certificate-status", certificate))[1]["ocsp_result"] == "good:1f2e3d"
    other = {**certificate, "serial_number": "99"}
    assert (await station.post("/iso15118/certificate-status", other))[1] == {"status": "Failed", "ocsp_result": None}
    assert (await station.post("/iso15118/ev-certificate", {"action": "Install", "exi": exi}))[1]["status"] == "Failed"
