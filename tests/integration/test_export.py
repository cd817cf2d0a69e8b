"""`evse export`, `--verify` and `evse import` on the data directory of a controller that charged: every
session with its meter values and as an OCPI CDR, the configuration without secrets, the certificates,
the local list; an edited bundle fails verification; a replacement unit takes over settings,
configuration, trust anchors and the local list, and refuses a bundle that does not verify."""

import asyncio
import csv
import io
import json
import subprocess
import sys
import zipfile

import pytest
from ocpp.v16 import call
from ocpp.v201 import call as call201

from controller import ROOT, ControllerProcess
from firmware.store import Store
from pki import CA, pem

BOARD = str(ROOT / "board-configs" / "bench.toml")
SECRET = "0123456789abcdef0123456789abcdef"


def evse(*args, expect: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "firmware", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == expect, done.stdout + done.stderr
    return done


async def charge(ctl, cid: int, tag: str, seconds: float = 2.0) -> None:
    await ctl.post("/ev", {"connector": cid, "state": "C"})
    await ctl.post("/rfid", {"connector": cid, "id_tag": tag})
    await ctl.until(lambda c: c["contactor_closed"], cid=cid)
    await asyncio.sleep(seconds)
    await ctl.post("/ev", {"connector": cid, "state": "A"})
    await ctl.until(lambda c: c["session"] is None and not c["contactor_closed"], cid=cid)


def bundle_files(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


async def test_export_verify_and_import_in_1_6(csms, tmp_path):
    data = tmp_path / "data"
    ctl = ControllerProcess(csms.url, data)
    await ctl.start()
    try:
        await csms.wait_connected("CP001", 15)
        cp = csms.charge_points["CP001"]
        root = CA("Export CSMS Root")
        assert (await cp.call(call.InstallCertificate(certificate_type="CentralSystemRootCertificate",
                                                      certificate=pem(root.cert)))).status == "Accepted"
        assert (await cp.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="17"))).status == \
            "Accepted"
        lst = [{"idTag": "KEEP-ME", "idTagInfo": {"status": "Accepted"}}]
        assert (await cp.call(call.SendLocalList(list_version=4, update_type="Full",
                                                 local_authorization_list=lst))).status == "Accepted"
        await charge(ctl, 1, "DRIVER-1")
        await charge(ctl, 2, "DRIVER-2", 1.0)
        await csms.wait_for(lambda c: len(c.actions("StopTransaction")) == 2, 15)
    finally:
        await ctl.close()
    store = Store(data)
    store.put("setting.basic_auth_password", SECRET)  # a secret the export must leave out
    store.close()

    out = tmp_path / "export.zip"
    evse("export", "--data-dir", str(data), "--board", BOARD, "--out", str(out), "--config", "/nonexistent")
    assert "all as exported" in evse("export", "--verify", str(out)).stdout
    files = bundle_files(out)
    assert not any(SECRET.encode() in body for body in files.values())
    assert not any(b"PRIVATE KEY" in body for body in files.values())
    sessions = json.loads(files["transactions.json"])
    starts, stops = csms.actions("StartTransaction"), csms.actions("StopTransaction")
    assert [s["id_tag"] for s in sessions] == ["DRIVER-1", "DRIVER-2"]
    for s, start in zip(sessions, starts):
        assert round(s["meter_start_wh"]) == start["meterStart"] and s["energy_wh"] > 0
    assert {str(s["transaction_id"]) for s in sessions} == {str(s["transactionId"]) for s in stops}
    assert {round(s["meter_stop_wh"]) for s in sessions} == {s["meterStop"] for s in stops}
    samples = list(csv.DictReader(io.StringIO(files["meter_values.csv"].decode())))
    one = [r for r in samples if r["local_id"] == sessions[0]["local_id"]]
    assert float(one[0]["energy_wh"]) == sessions[0]["meter_start_wh"]
    assert float(one[-1]["energy_wh"]) == sessions[0]["meter_stop_wh"]
    cdrs = json.loads(files["cdrs.json"])
    assert [c["cdr_token"]["uid"] for c in cdrs] == ["DRIVER-1", "DRIVER-2"]
    assert cdrs[0]["total_energy"] == round(sessions[0]["energy_wh"] / 1000, 4)
    assert sum(d["volume"] for p in cdrs[0]["charging_periods"] for d in p["dimensions"]) == pytest.approx(
        cdrs[0]["total_energy"], abs=0.001)
    config = {i["key"]: i["value"] for i in json.loads(files["configuration.json"])["items"]}
    assert config["MeterValueSampleInterval"] == "17" and "AuthorizationKey" not in config
    inventory = json.loads(files["certificates.json"])
    assert [c["serial"] for c in inventory if c["kind"] == "CentralSystemRootCertificate"] == [
        format(root.cert.serial_number, "x")]
    assert json.loads(files["local_list.json"])["version"] == 4

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as z:
        for name, body in files.items():
            z.writestr(name, body.replace(b"DRIVER-2", b"DRIVER-9") if name == "transactions.csv" else body)
    problems = evse("export", "--verify", str(tampered), expect=1).stderr
    assert "transactions.csv: changed since the export" in problems

    fresh = tmp_path / "replacement"
    fresh.mkdir()
    refused = evse("import", str(tampered), "--data-dir", str(fresh), "--board", BOARD, "--config", "/x", expect=1)
    assert "nothing changed" in refused.stderr and not (fresh / "certs").exists()
    done = evse("import", str(out), "--data-dir", str(fresh), "--board", BOARD, "--config", "/x").stdout
    assert "1 trust anchor(s) installed" in done and "local list version 4 with 1 entries" in done
    store = Store(fresh)
    try:
        assert store.get("setting.charge_point_id") == "CP001" and store.get("setting.csms_url") == csms.url
        assert store.get("ocpp16.MeterValueSampleInterval") in ("17", 17)
        assert store.get("setting.basic_auth_password") is None
    finally:
        store.close()
    assert list((fresh / "certs" / "CentralSystemRootCertificate").glob("*.pem"))


async def test_export_in_2_0_1_carries_the_device_model_and_transaction_ids(csms201, tmp_path):
    data = tmp_path / "data"
    ctl = ControllerProcess(csms201.url, data, ocpp_version="2.0.1")
    await ctl.start()
    try:
        await csms201.wait_connected("CP001", 15)
        cp = csms201.charge_points["CP001"]
        await cp.call(call201.SetVariables(set_variable_data=[{
            "component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}, "attributeValue": "77"}]))
        await charge(ctl, 1, "DRIVER-201")
        ended = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                                  if e["eventType"] == "Ended"], 15)
    finally:
        await ctl.close()
    out = tmp_path / "export201.zip"
    evse("export", "--data-dir", str(data), "--board", BOARD, "--out", str(out), "--config", "/nonexistent")
    files = bundle_files(out)
    (session,) = json.loads(files["transactions.json"])
    assert session["transaction_id"] == ended[0]["transactionInfo"]["transactionId"]
    items = json.loads(files["configuration.json"])["items"]
    timeout = [i for i in items if i["variable"]["name"] == "EVConnectionTimeOut"][0]
    assert timeout["variableAttribute"][0]["value"] == "77"
    assert all("value" not in i["variableAttribute"][0] for i in items if i["variable"]["name"] == "BasicAuthPassword")
    fresh = tmp_path / "replacement"
    fresh.mkdir()
    evse("import", str(out), "--data-dir", str(fresh), "--board", BOARD, "--config", "/x")
    store = Store(fresh)
    try:
        assert store.get("setting.ocpp_version") == "2.0.1"
        row = store.db.execute("SELECT value FROM device_model WHERE key LIKE '%EVConnectionTimeOut%'").fetchone()
        assert row == ("77",)
    finally:
        store.close()
    other = tmp_path / "speaks-1.6"
    other.mkdir()
    store = Store(other)
    store.put("setting.ocpp_version", "1.6")
    store.close()
    refused = evse("import", str(out), "--data-dir", str(other), "--board", BOARD, "--config", "/x", expect=1)
    assert "OCPP 2.0.1 charger" in refused.stderr
