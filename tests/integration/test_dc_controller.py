"""A DC connector in `evse run` (board-configs/bench-dc.toml) end to end to the CSMS: the bench EV
speaks ISO 15118-2 or DIN SPEC 70121 (ISO 15118-20 in the demo) to the controller's SECC for real
(iso15118 in .venv-hlc, on a veth pair in a network namespace), the CSMS is an `ocpp` library CSMS of
either version. Scenarios run one after the other, each with a CSMS of its own (dc_stations.side_by_side
says why not at once)."""

import asyncio
import re
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ocpp.v16 import call
from ocpp.v201 import call as call201

from controller import ROOT, ControllerProcess
from dc_stations import plug_and_card, plugged_and_refused, pnc_station, running, side_by_side
from ev_receipts_check import exported_receipts
from firmware.bench.csms import BenchCsms
from firmware.bench.csms201 import BenchCsms201
from hlc_bench import ensure_hlc_environment
from v2g_pki import make_pki, sign_for_secc

pytestmark = pytest.mark.alone  # timing under load: run by itself (scripts/test.sh)
FLOW = ["cable check", "cable ok", "precharge", "charging", "stopping", "welding check", "done", "off"]


def path_walk(station) -> list[str]:
    """The DC power path's states in order, from the controller's log (each is logged as it is entered)."""
    return re.findall(r"DC power path ([a-z ]+)$", station.log_path.read_text(), re.M)


async def whole_session_16(tmp_path, csms) -> None:
    """ISO 15118-2 under OCPP 1.6: statuses, DC meter values with the EV's SoC, billed as metered."""
    station = await running(tmp_path, "DC16", csms, "1.6", "ISO_15118_2")
    try:
        cp = csms.charge_points["DC16"]
        await cp.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="2"))
        measurands = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC,Power.Offered"
        assert (await cp.call(call.ChangeConfiguration(key="MeterValuesSampledData", value=measurands))).status \
            == "Accepted"
        await plug_and_card(station)
        c = await station.until(lambda c: c["dc"]["state"] == "charging" and c["dc"]["present_current_a"] > 10, 60)
        assert c["status"] == "Charging" and c["dc"]["protocol"] == "ISO_15118_2" and c["kind"] == "dc"
        assert c["dc"]["slac"] == "matched"  # the car found the charger through SLAC (ISO 15118-3)
        limit = {"chargingProfileId": 7, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
                 "chargingProfileKind": "Relative", "chargingSchedule": {
                     "chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 40000.0}]}}
        assert (await cp.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=limit))).status == "Accepted"
        await until_logged(station, "the EV is at renegotiate", 1)  # asked (ISO 15118-2 ReNegotiation), it did
        await until_logged(station, "the EV is at current demand", 2)  # and charges on, within the new limit
        await asyncio.sleep(1)
        assert (await station.connector())["meter"]["power_w"] <= 40000 * 1.05
        c = await station.until(lambda c: c["dc"]["ev_stage"] == "ended", 120)
        assert c["status"] == "SuspendedEV" and c["dc"]["bench"]["ev_soc_pct"] >= 80.0
        await station.post("/ev", {"connector": 1, "state": "A"})
        final = await station.until(lambda c: c["status"] == "Available", 10)
        stop = (await csms.wait_for(lambda c: [m for m in c.actions("StopTransaction")], 15))[-1]
        assert final["dc"]["present_voltage_v"] < 60.0 and not final["contactor_closed"]
        final = await station.connector()  # the register once the stop was read: no poll older than it
    finally:
        await station.close()
    assert path_walk(station) == FLOW, path_walk(station)
    ours = [m for m in csms.actions("StatusNotification") if m["connectorId"] == 1]
    walk = [m["status"] for m in ours]
    assert walk[walk.index("Preparing"):] == ["Preparing", "SuspendedEV", "Charging", "SuspendedEV", "Available"], walk
    start = csms.actions("StartTransaction")[-1]
    assert stop["meterStop"] - start["meterStart"] == round(final["meter"]["energy_wh"]) - start["meterStart"] > 250
    assert stop["reason"] == "EVDisconnected"
    assert "no schedule for the EV's round" not in station.log_path.read_text()  # 1.6: offered at once
    values = [sv for m in csms.actions("MeterValues") if m["connectorId"] == 1 for mv in m["meterValue"]
              for sv in mv["sampledValue"]]
    socs = [float(sv["value"]) for sv in values if sv.get("measurand") == "SoC"]
    assert socs and all(sv["location"] == "EV" and sv["unit"] == "Percent" for sv in values
                        if sv.get("measurand") == "SoC")
    assert socs == sorted(socs) and socs[0] < 50 < socs[-1]
    volts = [sv for sv in values if sv.get("measurand") == "Voltage"]
    assert volts and all("phase" not in sv for sv in volts) and max(float(sv["value"]) for sv in volts) > 300
    assert any(sv.get("measurand") == "Power.Offered" and float(sv["value"]) > 10000 for sv in values)


async def whole_session_201(tmp_path, csms) -> None:
    """DIN SPEC 70121 under OCPP 2.0.1: NotifyEVChargingNeeds, TransactionEvents with SoC, billed as metered."""
    station = await running(tmp_path, "DC201", csms, "2.0.1", "DIN_SPEC_70121")
    try:
        cp = csms.charge_points["DC201"]
        await cp.call(call201.SetVariables(set_variable_data=[
            {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"},
             "attributeValue": "2"},
            {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedMeasurands"},
             "attributeValue": "Energy.Active.Import.Register,SoC,Current.Import"}]))
        await plug_and_card(station)
        c = await station.until(lambda c: c["dc"]["state"] == "charging", 60)
        assert c["dc"]["protocol"] == "DIN_SPEC_70121" and c["status"] == "Occupied" and c["dc"]["slac"] == "matched"
        await station.until(lambda c: c["dc"]["ev_stage"] == "ended", 120)
        await station.post("/ev", {"connector": 1, "state": "A"})
        await station.until(lambda c: c["status"] == "Available", 10)
        await csms.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"], 15)
        final = await station.connector()  # the register once the stop was read: no poll older than it
    finally:
        await station.close()
    assert path_walk(station) == FLOW, path_walk(station)
    needs_sent = csms.actions("NotifyEVChargingNeeds")
    assert len(needs_sent) == 1, needs_sent
    needs = needs_sent[0]
    assert needs["evseId"] == 1 and needs["chargingNeeds"]["requestedEnergyTransfer"] == "DC"
    dc = needs["chargingNeeds"]["dcChargingParameters"]
    assert dc["evMaxVoltage"] == 420 and dc["evMaxCurrent"] == 200 and 15 <= dc["stateOfCharge"] <= 25
    events = csms.actions("TransactionEvent")
    assert [e["seqNo"] for e in events] == list(range(len(events)))
    assert events[0]["cableMaxCurrent"] == 200 and "numberOfPhasesUsed" not in events[0]  # DC: no phases
    values = [sv for e in events for mv in e.get("meterValue", []) for sv in mv["sampledValue"]]
    energy = [sv["value"] for sv in values if sv.get("measurand", "Energy.Active.Import.Register")
              == "Energy.Active.Import.Register"]
    assert round(energy[-1] - energy[0]) == round(final["meter"]["energy_wh"] - energy[0]) > 250
    socs = [sv["value"] for sv in values if sv.get("measurand") == "SoC"]
    assert socs and socs[-1] >= 75 and all(sv["unitOfMeasure"]["unit"] == "Percent" for sv in values
                                           if sv.get("measurand") == "SoC")


async def dc_faults_16(tmp_path, csms) -> None:
    """The bench's DC fault switches through `evse run` to the CSMS: a bad insulation fails the cable
    check (Faulted, GroundFailure, nothing billed, Available once unplugged: isolation clears on
    unplug); a power module's fault mid-charge (Faulted, InternalError, the transaction ends, the
    output off); the EV reporting an error mid-charge (EVCommunicationError); a car whose modem never
    pairs (SLAC fails after the bench's 20 s: reported as EVCommunicationError while Preparing, nothing
    trips, no transaction)."""
    station = await running(tmp_path, "DCFLT", csms, "1.6", "ISO_15118_2")
    try:
        assert (await station.post("/fault", {"connector": 1, "kind": "isolation", "active": True}))[0] == 200
        await plug_and_card(station)
        c = await station.until(lambda c: c["status"] == "Faulted", 60)
        assert "isolation" in c["faults"] and "insulation" in c["dc"]["cable_check_failed"]
        assert not c["contactor_closed"] and c["dc"]["bench"]["modules_on"] == 0
        await station.post("/fault", {"connector": 1, "kind": "isolation", "active": False})
        await unplugged(station)
        for kind in ("power_module", "ev_error"):
            await plug_and_card(station)
            await station.until(lambda c: c["dc"]["state"] == "charging" and c["dc"]["present_current_a"] > 10, 60)
            assert (await station.post("/fault", {"connector": 1, "kind": kind, "active": True}))[0] == 200
            c = await station.until(lambda c: c["status"] == "Faulted", 10)
            assert kind in c["faults"] and c["dc"]["bench"]["modules_on"] == 0 and not c["contactor_closed"]
            assert kind != "ev_error" or "FAILED_EVRESSMalfunction" in c["dc"]["fault"]  # its code, not silence
            await station.post("/fault", {"connector": 1, "kind": kind, "active": False})
            await unplugged(station)
        assert (await station.post("/fault", {"connector": 1, "kind": "slac", "active": True}))[0] == 200
        await station.post("/ev", {"connector": 1, "state": "B"})
        c = await station.until(lambda c: c["dc"]["slac"] == "failed", 45)
        assert c["status"] == "Preparing" and not c["contactor_closed"] and c["dc"]["ev_stage"] in ("none", "ended")
        await csms.wait_for(lambda c: [m for m in c.actions("StatusNotification")
                                       if m["connectorId"] == 1 and m["errorCode"] == "EVCommunicationError"
                                       and m["status"] == "Preparing"], 10)
        await station.post("/fault", {"connector": 1, "kind": "slac", "active": False})
        await unplugged(station)
        code, answer = await station.post("/fault", {"connector": 1, "kind": "rfid", "active": True})
        assert code == 400 and "kind" in answer["error"]
    finally:
        await station.close()
    faulted = [m for m in csms.actions("StatusNotification") if m["connectorId"] == 1 and m["status"] == "Faulted"]
    assert [(m["errorCode"], m["info"]) for m in faulted] == [
        ("GroundFailure", "isolation"), ("InternalError", "power_module"), ("EVCommunicationError", "ev_error")]
    unpaired = [m for m in csms.actions("StatusNotification") if m["connectorId"] == 1 and m.get("info") == "ev_comm"]
    assert unpaired and all((m["status"], m["errorCode"]) == ("Preparing", "EVCommunicationError") for m in unpaired)
    assert csms.actions("StatusNotification")[-1]["errorCode"] == "NoError"
    stops = csms.actions("StopTransaction")
    assert len(stops) == 3 and all(s["reason"] == "Other" for s in stops[1:])


async def unplugged(station) -> None:
    await station.post("/ev", {"connector": 1, "state": "A"})
    await station.until(lambda c: c["status"] == "Available" and not c["session"], 15)


async def remote_stop_201(tmp_path, csms) -> None:
    """The CSMS stops the transaction mid-charge: the output ramps down, the EV is told to stop (it ends
    its session), the transaction ends with reason Remote."""
    station = await running(tmp_path, "DCSTOP", csms, "2.0.1", "ISO_15118_2")
    try:
        cp = csms.charge_points["DCSTOP"]
        await plug_and_card(station)
        c = await station.until(lambda c: c["dc"]["state"] == "charging" and c["dc"]["present_current_a"] > 10, 60)
        tx = c["session"]["transaction_id"]
        assert (await cp.call(call201.RequestStopTransaction(transaction_id=tx))).status == "Accepted"
        c = await station.until(lambda c: c["dc"]["state"] in ("done", "off") and not c["session"], 20)
        assert c["dc"]["fault"] is None and not c["contactor_closed"]
        await station.until(lambda c: c["dc"]["ev_stage"] == "ended", 20)  # the EV heard the stop
        ended = await csms.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                               if e["eventType"] == "Ended"], 15)
        await station.post("/ev", {"connector": 1, "state": "A"})
        await station.until(lambda c: c["status"] == "Available", 10)
    finally:
        await station.close()
    assert ended[-1]["transactionInfo"]["stoppedReason"] == "Remote"
    assert ended[-1]["transactionInfo"]["transactionId"] == tx


async def plug_and_charge_201(tmp_path, csms) -> None:
    """Plug & Charge (C07): the EV's contract over TLS, authorized with its chain while the station
    has no mobility operator root, with the chain's OCSP data once the CSMS installed one, and
    refused when the CSMS says the certificate is revoked (the EV is told; no transaction). Between
    the sessions the SECC gets its own certificate from the CSMS, then a combined one (A02/A03), and
    the EV's TLS takes each (the test PKI's SECC files are gone by then)."""
    pki = make_pki(tmp_path)
    station = await pnc_station(tmp_path, csms, "DCPNC", pki)
    try:
        cp = csms.charge_points["DCPNC"]
        for attempt in range(2):
            await station.post("/ev", {"connector": 1, "state": "B"})  # no card: the car's contract
            await csms.wait_for(lambda c: len(c.actions("Authorize")) == attempt + 1, 60)
            await station.until(lambda c: c["session"] is not None, 10)
            await station.until(lambda c: c["dc"]["ev_stage"] == "ended" and not c["dc"]["fault"], 60)
            await station.post("/ev", {"connector": 1, "state": "A"})
            await station.until(lambda c: c["status"] == "Available" and not c["session"], 10)
            if attempt == 0:
                root = (pki / "iso15118_2" / "certs" / "moRootCACert.pem").read_text()
                answer = await cp.call(call201.InstallCertificate(certificate_type="MORootCertificate",
                                                                  certificate=root))
                assert answer.status == "Accepted"
                await secc_certificate_from_the_csms(station, csms, pki)
        await combined_certificate_from_the_csms(station, csms, pki)
        csms.certificate_status = "CertificateRevoked"
        await plugged_and_refused(station, csms, lambda c: len(c.actions("Authorize")) == 3)
    finally:
        await station.close()
    link_log = (station.data_dir / "logs" / "ev-link-1.log").read_text()
    assert link_log.count("TLS server started") == 3 and "Falling back to TCP" not in link_log  # TLS each time
    first, second, third = csms.actions("Authorize")
    leaf = (pki / "iso15118_2" / "certs" / "contractLeafCert.pem").read_text().strip()
    assert first["idToken"]["type"] == "eMAID" and first["idToken"]["idToken"] == "UKSWI123456791A"
    assert leaf.splitlines()[1] in first["certificate"] and "iso15118CertificateHashData" not in first
    hashes = second["iso15118CertificateHashData"]
    assert "certificate" not in second and len(hashes) == 3, (second.keys(), len(hashes))  # contract + 2 sub-CAs
    assert all(h["hashAlgorithm"] == "SHA256" and len(h["issuerNameHash"]) == 64 and h["responderURL"]
               for h in hashes)
    assert third["idToken"]["type"] == "eMAID"
    started = [e for e in csms.actions("TransactionEvent") if e["eventType"] == "Started"]
    assert len(started) == 2 and all(e["idToken"] == {"idToken": "UKSWI123456791A", "type": "eMAID"}
                                     for e in started)
    # Each charge's MeteringReceipts (ISO 15118-2 DC, every 0.5 s): signed by the car's contract, each one
    # a reading of the meter between the session's start and stop, verified outside the controller.
    sessions, checks = exported_receipts(station.data_dir, str(tmp_path / "bench-dc-DCPNC.toml"), tmp_path)
    assert len(sessions) == 2 and all(s["ev_receipts"] for s in sessions), sessions
    assert checks and all(c["verified"] for c in checks), checks
    for s in sessions:
        readings = [r["meter_wh"] for r in s["ev_receipts"]]
        assert round(s["meter_start_wh"]) <= readings[0] and readings == sorted(readings), s
        assert readings[-1] <= round(s["meter_stop_wh"]), s


async def secc_certificate_from_the_csms(station, csms, pki) -> None:
    """TC_A_12, TC_M_15: the SECC's own certificate, asked for by the CSMS, checked, listed, then used."""
    cp = csms.charge_points["DCPNC"]
    v2g_root = (pki / "iso15118_2" / "certs" / "v2gRootCACert.pem").read_text()
    names = {"SeccId": "DE*OCC*E0001", "OrganizationName": "Bench CPO", "CountryName": "DE"}
    answers = [await cp.call(call201.SetVariables(set_variable_data=[
        {"component": {"name": "ISO15118Ctrlr"}, "variable": {"name": k}, "attribute_value": v}]))
        for k, v in {**names, "CountryName": "Germany"}.items()]  # a country is two letters
    assert [a.set_variable_result[0]["attribute_status"] for a in answers] == ["Accepted", "Accepted", "Rejected"]
    await cp.call(call201.SetVariables(set_variable_data=[
        {"component": {"name": "ISO15118Ctrlr"}, "variable": {"name": "CountryName"}, "attribute_value": "DE"}]))
    assert (await cp.call(call201.InstallCertificate(certificate_type="V2GRootCertificate",
                                                     certificate=v2g_root))).status == "Accepted"
    assert (await cp.call(call201.TriggerMessage(requested_message="SignV2GCertificate"))).status == "Accepted"
    asked = await csms.wait_for(lambda c: [r for r in c.actions("SignCertificate")
                                           if r.get("certificateType") == "V2GCertificate"], 15)
    csr = x509.load_pem_x509_csr(asked[0]["csr"].encode())
    assert {a.oid: a.value for a in csr.subject} == {
        NameOID.COMMON_NAME: "DE*OCC*E0001", NameOID.ORGANIZATION_NAME: "Bench CPO", NameOID.COUNTRY_NAME: "DE",
        NameOID.DOMAIN_COMPONENT: "CPO"}
    stranger = ec.generate_private_key(ec.SECP256R1()).public_key()
    refused = await cp.call(call201.CertificateSigned(
        certificate_chain=sign_for_secc(pki, asked[0]["csr"], for_key=stranger), certificate_type="V2GCertificate"))
    assert refused.status == "Rejected"  # not for the SECC's key
    chain = sign_for_secc(pki, asked[0]["csr"])
    signed = await cp.call(call201.CertificateSigned(certificate_chain=chain, certificate_type="V2GCertificate"))
    assert signed.status == "Accepted"
    listed = await cp.call(call201.GetInstalledCertificateIds(certificate_type=["V2GCertificateChain"]))
    leaf = x509.load_pem_x509_certificate(chain.encode())
    assert listed.status == "Accepted" and len(listed.certificate_hash_data_chain) == 1
    entry = listed.certificate_hash_data_chain[0]
    assert entry["certificate_type"] == "V2GCertificateChain"
    assert entry["certificate_hash_data"]["serial_number"] == format(leaf.serial_number, "x")
    assert len(entry["child_certificate_hash_data"]) == 2  # the CPO sub-CAs
    for name in ("certs/cpoCertChain.pem", "private_keys/seccLeaf.key"):
        (pki / "iso15118_2" / name).unlink()  # from now on only the charger's own certificate serves TLS
    await until_logged(station, "started again with the new SECC certificate", 1)


async def combined_certificate_from_the_csms(station, csms, pki) -> None:
    """TC_A_13: one certificate (no type) for both the CSMS link and the EV's TLS, on the station's key."""
    cp = csms.charge_points["DCPNC"]
    assert (await cp.call(call201.TriggerMessage(requested_message="SignCombinedCertificate"))).status == "Accepted"
    asked = await csms.wait_for(lambda c: [r for r in c.actions("SignCertificate") if "certificateType" not in r], 15)
    chain = sign_for_secc(pki, asked[0]["csr"])
    assert (await cp.call(call201.CertificateSigned(certificate_chain=chain))).status == "Accepted"
    key = (station.data_dir / "certs" / "cp.key").read_bytes()
    assert (station.data_dir / "certs" / "secc" / "pki" / "iso15118_2" / "private_keys" / "seccLeaf.key"
            ).read_bytes() == key
    assert (station.data_dir / "certs" / "cp-pending.pem").read_text() == chain  # the CSMS link's, on trial
    await until_logged(station, "started again with the new SECC certificate", 2)


async def until_logged(station, text: str, times: int, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.2)):
        if station.log_path.read_text().count(text) >= times:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not logged {times} times: {text}")


async def the_demo() -> None:
    """`evse demo --board board-configs/bench-dc-iso20.toml` as a user runs it (its own CSMS, its own EV):
    the DC bench whose EV speaks ISO 15118-20 (bench-dc.toml's is ISO 15118-2, as in the scenarios above)."""
    demo = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware", "demo", "--board", str(ROOT / "board-configs" / "bench-dc-iso20.toml"),
        "--ocpp-version", "2.0.1", cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out = (await asyncio.wait_for(demo.communicate(), 300))[0].decode()
    assert demo.returncode == 0, out
    for said in ("cable check passed", "pre-charge", "the EV speaks ISO_15118_20_DC (dynamic control); current flowing",
                 "welding check", "the power path ended cleanly", "the EV stopped at 80 %",
                 "OK: billed energy matches the meter"):
        assert said in out, out


async def demo_scenario(tmp_path, csms) -> None:
    await the_demo()


@pytest.mark.timeout(400)
async def test_whole_dc_sessions_in_both_versions_and_the_demo(tmp_path):
    ensure_hlc_environment()
    await side_by_side(tmp_path, (whole_session_16, BenchCsms()), (whole_session_201, BenchCsms201()),
                       (demo_scenario, BenchCsms()))


@pytest.mark.timeout(400)
async def test_dc_faults_stops_and_plug_and_charge(tmp_path):
    ensure_hlc_environment()
    await side_by_side(tmp_path, (dc_faults_16, BenchCsms()), (remote_stop_201, BenchCsms201()),
                       (plug_and_charge_201, BenchCsms201()))


@pytest.mark.timeout(300)
async def test_kill_9_mid_charge_loses_no_energy_and_leaves_no_ev_link_behind(tmp_path):
    """The controller killed while a DC session charges: its EV link's processes die with it (none left
    behind to hold the modem or the socket), the restarted controller ends the interrupted transaction
    (an ISO 15118 session cannot be taken back: PowerLoss) with the meter's register as it was, and the
    connector charges the next car."""
    import signal
    import subprocess

    ensure_hlc_environment()
    csms = BenchCsms()
    await csms.start()
    station = ControllerProcess(csms.url, tmp_path / "DCKILL", board="bench-dc.toml", cp_id="DCKILL")
    try:
        await station.start()
        await station.until(lambda c: c["status"] == "Available", 15)
        await plug_and_card(station)
        await station.until(lambda c: c["dc"]["state"] == "charging" and c["dc"]["present_current_a"] > 10, 60)
        await asyncio.sleep(2.5)  # the bench keeps its meter register once a second, as hardware keeps it always
        at_kill = (await station.connector())["meter"]["energy_wh"]
        station.proc.send_signal(signal.SIGKILL)
        await station.proc.wait()
        await asyncio.sleep(0.5)
        left = subprocess.run(["pgrep", "-f", f"hlc[.](secc_child|ev_child|bench_link) .*{tmp_path / 'DCKILL'}"],
                              capture_output=True, text=True).stdout.split()
        assert left == [], f"EV link processes outlived the controller: {left}"
        await station.start()
        stop = (await csms.wait_for(lambda c: c.actions("StopTransaction"), 30))[0]
        assert stop["reason"] == "PowerLoss" and at_kill - 1 <= stop["meterStop"] <= at_kill + 20
        await station.post("/ev", {"connector": 1, "state": "A"})
        await station.until(lambda c: c["status"] == "Available", 15)
        await plug_and_card(station)  # the next car
        await station.until(lambda c: c["dc"]["state"] == "charging" and c["dc"]["present_current_a"] > 10, 60)
        assert len(csms.actions("StartTransaction")) == 2
    finally:
        await station.close()
        await csms.stop()
