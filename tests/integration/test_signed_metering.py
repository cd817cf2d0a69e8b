"""Signed sessions end to end (issue 18): a simulated Iskra WM3M4C on a real RS-485 line (pty pair)
signs each session with a key made here; the controller passes its OCMF record to the CSMS in
OCPP 1.6 (StopTransaction SignedData, MeterPublicKey1) and 2.0.1 (signedMeterValue of the Ended
event), where it verifies independently. The meter's refusals are faults the CSMS sees."""

import asyncio
import base64
import json
import signal
import subprocess
import sys
import zipfile

import pytest
from ocpp.v16 import call
from ocpp.v201 import call as call201

from controller import ROOT
from modbus_bench import MeterLine
from ocmf_check import meter_key_files, verify_ocmf
from web_client import Browser, api_token, web_controller


async def signed_bench(tmp_path, csms_url, version):
    key_path, key_der = meter_key_files(tmp_path)
    line = MeterLine(tmp_path, model="iskra_wm3m4c", addresses="33", connectors="1", energy_wh=250_000.0,
                     baud=115200, extra=("--signing-key", str(key_path)))
    ctl = web_controller(csms_url, tmp_path / "data", board=str(line.board("bench-signed.toml")),
                         ocpp_version=version)
    await line.start(ctl.api)
    try:
        await ctl.start()
        await ctl.until(lambda c: c["meter"]["online"] and c["meter"]["energy_wh"] >= 250_000.0, timeout=15)
    except BaseException:
        await ctl.close()
        await line.stop()
        raise
    return line, ctl, key_der


async def charge(ctl, seconds=3.0):
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
    await ctl.until(lambda c: c["contactor_closed"], timeout=15)
    await asyncio.sleep(seconds)
    await ctl.post("/ev", {"connector": 1, "state": "A"})


async def refused(ctl, fault):
    """A session the signing meter refuses: with offline_policy "stop" no energy flows that it
    cannot sign (the connector is held at 0 A) until a session's signing works again."""
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
    c = await ctl.until(lambda c: fault in c["faults"] and c["offered_current_a"] == 0.0, timeout=15)
    assert not c["contactor_closed"] and c["session"] is not None
    await ctl.post("/ev", {"connector": 1, "state": "A"})
    await ctl.until(lambda c: c["status"] == "Available", timeout=15)


def check_record(payload, start_wh, stop_wh):
    begin, end = payload["RD"]
    assert (begin["TX"], end["TX"], payload["ID"], payload["IT"]) == ("B", "E", "04A1B2C3", "ISO14443")
    assert begin["RV"] * 1000 == pytest.approx(start_wh, abs=1.0)  # what was billed is what was signed
    assert end["RV"] * 1000 == pytest.approx(stop_wh, abs=1.0)
    assert end["RV"] > begin["RV"]


async def the_page_shows_the_record(ctl, tmp_path, sent: str) -> None:
    """The reconciliation on the installer's page (checked, downloadable) and in the owner's export."""
    browser = Browser(ctl.web)
    auth = {"Authorization": f"Bearer {api_token(tmp_path / 'data')}"}
    try:
        status, page = await browser.get("/api/transactions", headers=auth)
        assert status == 200
        row = page["transactions"][0]
        assert row["signed"]["verified"] and row["signed"]["matches"] and row["signed"]["problem"] is None
        assert row["signed"]["end_wh"] == pytest.approx(row["meter_stop_wh"], abs=1.0)
        status, record = await browser.get(f"/api/transactions/{row['local_id']}/ocmf", headers=auth)
        assert (status, record) == (200, sent)  # what the driver's transparency software gets: as sent
        assert (await browser.get("/api/transactions/nonesuch/ocmf", headers=auth))[0] == 404
    finally:
        await browser.http.close()
    bundle = tmp_path / "export.zip"
    subprocess.run([sys.executable, "-m", "firmware", "export", "--data-dir", str(tmp_path / "data"), "--board",
                    str(tmp_path / "bench-signed.toml"), "--out", str(bundle)], cwd=ROOT, check=True, timeout=60)
    with zipfile.ZipFile(bundle) as z:
        cdr = json.loads(z.read("cdrs.json"))[0]
        kept = json.loads(z.read("transactions.json"))[0]
    assert cdr["signed_data"]["encoding_method"] == "OCMF"
    assert cdr["signed_data"]["signed_values"][0]["signed_data"] == sent
    assert kept["signed"]["data"] == sent and kept["signed"]["verified"]


async def test_a_signed_session_in_ocpp_16(csms, tmp_path):
    line, ctl, key_der = await signed_bench(tmp_path, csms.url, "1.6")
    try:
        await csms.wait_for(lambda c: c.actions("StatusNotification"), 15)
        await charge(ctl)
        stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 20))[0]
        start = csms.actions("StartTransaction")[0]
        signed = [v for mv in stop["transactionData"] for v in mv["sampledValue"] if v.get("format") == "SignedData"]
        assert [v["context"] for v in signed] == ["Transaction.Begin", "Transaction.End"]
        (alone,) = verify_ocmf(signed[0]["value"], key_der)["RD"]
        payload = verify_ocmf(signed[1]["value"], key_der)
        check_record(payload, start["meterStart"], stop["meterStop"])
        assert payload["RD"][0] == alone
        got = await csms.charge_points["CP001"].call(call.GetConfiguration(key=["MeterPublicKey1"]))
        assert got.configuration_key == [{"key": "MeterPublicKey1", "readonly": True, "value": key_der.hex().upper()}]
        await the_page_shows_the_record(ctl, tmp_path, signed[1]["value"])

        # The meter's clock refuses the time: the session gets no record and no energy; the CSMS sees why.
        line.set(address=33, signing={"refuse_clock": True})
        await refused(ctl, "meter_clock")
        fault = await csms.wait_for(lambda s: [p for p in s.actions("StatusNotification")
                                               if p["errorCode"] == "PowerMeterFailure"], 20)
        assert fault[0]["info"] == "meter_clock"
        stop = (await csms.wait_for(lambda s: s.actions("StopTransaction")[1:], 15))[0]
        assert not [v for mv in stop.get("transactionData", []) for v in mv["sampledValue"]
                    if v.get("format") == "SignedData"]
        # A new key (the meter swapped): latched until a reset, as a swapped meter; the CSMS is told,
        # MeterPublicKey1 follows and the session's record (no energy, but signed) carries the new key.
        line.set(address=33, signing={"refuse_clock": False, "new_key": True})
        await refused(ctl, "meter_key_changed")
        await csms.wait_for(lambda s: [p for p in s.actions("StatusNotification") if p.get("info") == "meter_key_changed"])
        got = await csms.charge_points["CP001"].call(call.GetConfiguration(key=["MeterPublicKey1"]))
        new_key = got.configuration_key[0]["value"]
        assert new_key != key_der.hex().upper()
        last = (await csms.wait_for(lambda s: s.actions("StopTransaction")[2:], 15))[0]
        signed = [v for mv in last["transactionData"] for v in mv["sampledValue"] if v.get("format") == "SignedData"]
        verify_ocmf(signed[-1]["value"], bytes.fromhex(new_key))
    finally:
        await ctl.close()
        await line.stop()
        print(ctl.log())


def signed_during(csms201, key_der, begin_kwh, end_kwh) -> None:
    """Periodic and clock-aligned values during the transaction, signed by the meter (TX "C"); one
    taken as the session ended may find the meter's transaction closed and go unsigned."""
    for trigger in ("MeterValuePeriodic", "MeterValueClock"):
        events = [e for e in csms201.actions("TransactionEvent") if e["triggerReason"] == trigger]
        signed = [v for e in events for mv in e["meterValue"] for v in mv["sampledValue"] if "signedMeterValue" in v]
        assert signed and len(signed) >= len(events) - 1, trigger
        for value in signed:
            assert base64.b64decode(value["signedMeterValue"]["publicKey"]) == key_der  # EveryMeterValue
            (during,) = verify_ocmf(base64.b64decode(value["signedMeterValue"]["signedMeterData"]).decode(),
                                    key_der)["RD"]
            assert during["TX"] == "C" and begin_kwh <= during["RV"] <= end_kwh


async def test_a_signed_session_in_ocpp_201(csms201, tmp_path):
    line, ctl, key_der = await signed_bench(tmp_path, csms201.url, "2.0.1")
    try:
        await csms201.wait_for(lambda c: c.actions("StatusNotification"), 15)
        cp = csms201.charge_points["CP001"]
        def var(component, name, value):
            return {"component": {"name": component}, "variable": {"name": name}, "attribute_value": value}

        got = await cp.call(call201.SetVariables(set_variable_data=[
            var("TxCtrlr", "TxStartPoint", "DataSigned"),  # E01, TC_E_11/12: start at DataSigned
            var("SampledDataCtrlr", "TxUpdatedInterval", "1"), var("SampledDataCtrlr", "SignReadings", "true"),
            var("AlignedDataCtrlr", "Interval", "2"), var("AlignedDataCtrlr", "SignReadings", "true"),  # TC_J_04/11
            var("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue", "EveryMeterValue")]))
        assert {r["attribute_status"] for r in got.set_variable_result} == {"Accepted"}
        await charge(ctl)
        events = await csms201.wait_for(lambda s: [e for e in s.actions("TransactionEvent")
                                                   if e["eventType"] == "Ended"], 20)
        started = [e for e in csms201.actions("TransactionEvent") if e["eventType"] == "Started"][0]
        assert started["triggerReason"] == "SignedDataReceived"
        (begin_value,) = [v for mv in started["meterValue"] for v in mv["sampledValue"]]
        begin_wh = begin_value["value"]
        (alone,) = verify_ocmf(base64.b64decode(begin_value["signedMeterValue"]["signedMeterData"]).decode(),
                               key_der)["RD"]
        assert alone["RV"] * 1000 == pytest.approx(begin_wh, abs=1.0)
        values = [v for mv in events[0]["meterValue"] for v in mv["sampledValue"] if "signedMeterValue" in v]
        assert len(values) == 1 and values[0]["measurand"] == "Energy.Active.Import.Register"
        signed = values[0]["signedMeterValue"]
        assert (signed["encodingMethod"], signed["signingMethod"]) == ("OCMF", "ECDSA-secp256r1-SHA256")
        assert base64.b64decode(signed["publicKey"]) == key_der
        payload = verify_ocmf(base64.b64decode(signed["signedMeterData"]).decode(), key_der)
        check_record(payload, begin_wh, values[0]["value"])
        signed_during(csms201, key_der, alone["RV"], payload["RD"][-1]["RV"])

        # A signature the meter reports as failed: no signed begin, so with DataSigned no transaction and
        # no energy, and a NotifyEvent on ControlMetering.
        line.set(address=33, signing={"fail_signature": True})
        await ctl.until(lambda c: c["status"] == "Available", timeout=15)
        await refused(ctl, "meter_signature")
        assert len([e for e in csms201.actions("TransactionEvent") if e["eventType"] == "Started"]) == 1
        notified = await csms201.wait_for(lambda s: [d for n in s.actions("NotifyEvent") for d in n["eventData"]
                                                     if d.get("techCode") == "meter_signature"], 20)
        assert notified[0]["component"]["name"] == "ControlMetering"
        got = await cp.call(call201.GetVariables(get_variable_data=[{
            "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "PublicKeyWithSignedMeterValue"}}]))
        assert got.get_variable_result[0]["attribute_value"] == "EveryMeterValue"  # as set, kept
    finally:
        await ctl.close()
        await line.stop()
        print(ctl.log())


async def test_kill_9_mid_session_still_gives_the_meters_record(csms, tmp_path):
    """The controller killed while a signed session charges: the meter's transaction stays open; the
    restarted controller ends the session with PowerLoss and the record the meter signs then, which
    covers what was billed."""
    line, ctl, key_der = await signed_bench(tmp_path, csms.url, "1.6")
    try:
        await csms.wait_for(lambda c: c.actions("StatusNotification"), 15)
        await ctl.post("/ev", {"connector": 1, "state": "C"})
        await ctl.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
        await ctl.until(lambda c: c["contactor_closed"], timeout=15)
        await asyncio.sleep(2)
        ctl.proc.send_signal(signal.SIGKILL)
        await ctl.proc.wait()
        assert line.meters()[33]["signing"]["transaction_open"]
        await ctl.start()
        stop = (await csms.wait_for(lambda c: c.actions("StopTransaction"), 30))[0]
        start = csms.actions("StartTransaction")[0]
        assert stop["reason"] == "PowerLoss"
        signed = [v for mv in stop["transactionData"] for v in mv["sampledValue"] if v.get("format") == "SignedData"]
        assert [v["context"] for v in signed] == ["Transaction.End"]  # the begin record died with the process
        payload = verify_ocmf(signed[0]["value"], key_der)
        begin, end = payload["RD"]
        assert begin["RV"] * 1000 == pytest.approx(start["meterStart"], abs=1.0)
        assert end["RV"] * 1000 >= stop["meterStop"] - 1.0  # the meter signed at the restart: it covers the bill
        assert not line.meters()[33]["signing"]["transaction_open"]
    finally:
        await ctl.close()
        await line.stop()
        print(ctl.log())
