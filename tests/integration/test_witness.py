"""`evse witness`: against the bench CSMS at depth cpo with a scripted operator answering every prompt in
the CSMS (every area passes, the report is signed and verifies, an edited one does not); in 2.0.1 without
an operator; against an independent CSMS of another project in 1.6 and another project's OCPP stack in 2.0.1
(scripts/witness_independent_201.py); and a witness file of two backends with its matrix. The five run side by side (each is mostly waiting on its charger), so the suite pays for the longest."""

import asyncio
import json
import sys

import pytest
from ocpp.v16 import call
from ocpp.v201 import call as call201

from controller import ROOT
from firmware.bench.csms import BenchCsms
from integration.test_firmware_update import Manufacturer
from pki import pem

DEFAULT_10A = {"chargingProfileId": 7, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
               "chargingProfileKind": "Absolute",
               "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0,
                                                                                         "limit": 10}]}}


async def act(csms, prompt: str) -> None:
    """What an operator does in the CSMS for each prompt of the witness."""
    cp = csms.charge_points["WIT1"]
    if "remote start" in prompt:
        await cp.call(call.RemoteStartTransaction(id_tag="GOOD-1", connector_id=1))
    elif "set a limit of 10 A" in prompt:
        await cp.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=DEFAULT_10A))
    elif "remove that limit" in prompt:
        await cp.call(call.ClearChargingProfile(id=7))
    elif "reboot" in prompt:
        await cp.call(call.Reset(type="Soft"))
    elif "unlock" in prompt:
        await cp.call(call.UnlockConnector(connector_id=1))
    elif "stop the session" in prompt:
        await csms.wait_for(lambda c: c.actions("StartTransaction"), 10)
        await cp.call(call.RemoteStopTransaction(transaction_id=len(csms.actions("StartTransaction"))))
    elif "configuration value" in prompt:
        await cp.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="30"))
    elif "firmware update" in prompt:  # signed, as this charger asks; the release is nowhere to be had
        maker = Manufacturer()
        await cp.call(call.InstallCertificate(certificate_type="ManufacturerRootCertificate",
                                              certificate=pem(maker.ca.cert)))
        await cp.call(call.SignedUpdateFirmware(request_id=1, firmware={
            "location": "http://127.0.0.1:9/evse-9.9.tar", "retrieveDateTime": "2026-01-01T00:00:00Z",
            "signingCertificate": pem(maker.cert), "signature": "AA=="}))


async def cpo_with_a_scripted_operator(tmp_path):
    csms = BenchCsms()
    csms.accept_unknown = False  # a strict CSMS: only the cards it knows
    csms.tags.update({"GOOD-1": {"status": "Accepted"}, "GOOD-2": {"status": "Accepted"}})
    csms.rejected_tags.add("BLOCKED-1")
    await csms.start()
    report = tmp_path / "report"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware", "witness", "--csms-url", csms.url, "--charge-point-id", "WIT1",
        "--report", str(report), "--card", "GOOD-1", "--card", "GOOD-2", "--blocked-card", "BLOCKED-1",
        "--operator", "present", "--depth", "cpo", "--connection-timeout", "10", cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    lines = []
    try:
        await csms.wait_connected("WIT1", 30)
        await csms.charge_points["WIT1"].call(call.ChangeConfiguration(key="ConnectionTimeOut", value="10"))
        while True:
            raw = await asyncio.wait_for(child.stdout.readline(), 600)
            if not raw:
                break
            line = raw.decode().rstrip()
            lines.append(line)
            if line.startswith("OPERATOR:"):
                await asyncio.sleep(0.5)
                await act(csms, line)
        assert await child.wait() == 0, "\n".join(lines)
    finally:
        if child.returncode is None:
            child.kill()
        await csms.stop()
    body = json.loads((report / "report.json").read_text())["report"]
    results = {(s["area"], s["action"]): s["result"] for s in body["steps"]}
    assert set(results.values()) == {"passed"}, lines
    areas = {s["area"] for s in body["steps"]}
    assert areas == {"commissioning", "authorization", "communication", "remote operations", "metering and billing",
                     "fault handling", "smart charging", "firmware update", "export"}
    assert all(s["evidence"] for s in body["steps"] if s["area"] != "export")  # the frames of each step
    assert len(body["reconciliation"]) >= 5 and all(not t["problems"] for t in body["reconciliation"])
    html = (report / "report.html").read_text()
    assert "Bench-2x22kW" in html and "http" not in html.split("<body>")[1].split("CSMS")[0]  # no external assets
    verified = await asyncio.create_subprocess_exec(sys.executable, "-m", "firmware", "witness", "--verify",
                                                    str(report), cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    assert await verified.wait() == 0
    whole = json.loads((report / "report.json").read_text())
    whole["report"]["steps"][2]["result"] = "passed" if whole["report"]["steps"][2]["result"] != "passed" else "failed"
    (report / "report.json").write_text(json.dumps(whole))
    edited = await asyncio.create_subprocess_exec(sys.executable, "-m", "firmware", "witness", "--verify",
                                                  str(report), cwd=ROOT, stderr=asyncio.subprocess.PIPE)
    _, err = await edited.communicate()
    assert edited.returncode == 1 and b"was changed" in err


async def in_2_0_1_without_an_operator(tmp_path):
    from firmware.bench.csms201 import BenchCsms201

    csms = BenchCsms201()
    csms.accept_unknown = False
    csms.tags.update({"GOOD-1": {"status": "Accepted"}})
    await csms.start()
    report = tmp_path / "report"
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware", "witness", "--csms-url", csms.url, "--charge-point-id", "WIT2",
            "--ocpp-version", "2.0.1", "--report", str(report), "--card", "GOOD-1", "--depth", "semi-public",
            "--connection-timeout", "10", cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        await csms.wait_connected("WIT2", 30)
        await csms.charge_points["WIT2"].call(call201.SetVariables(set_variable_data=[{
            "component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}, "attributeValue": "10"}]))
        out, _ = await asyncio.wait_for(child.communicate(), 500)
    finally:
        await csms.stop()
    assert child.returncode == 0, out.decode()
    body = json.loads((report / "report.json").read_text())["report"]
    results = {s["action"]: (s["result"], s["detail"]) for s in body["steps"]}
    assert results["remote start (an app)"] == ("skipped", "no operator")  # no terminal: no operator
    assert results["a blocked card"][0] == "skipped" and results["two connectors at once"][0] == "skipped"
    assert results["emergency stop"][0] == "passed" and "NotifyEvent estop" in results["emergency stop"][1]
    assert "smart charging" not in {s["area"] for s in body["steps"]}  # semi-public: no smart charging yet
    assert body["csms"]["ocpp_version"] == "2.0.1" and body["summary"]["failed"] == 0


async def against_an_independent_csms(tmp_path):
    """PyPI's ocpp-csms (another project's 1.6 central system) with a card policy of its own."""
    from ocpp.v16.enums import AuthorizationStatus
    from ocpp_csms import CentralSystem

    async def authorize(charge_point, id_tag: str):
        return AuthorizationStatus.accepted if id_tag == "GOOD-1" else AuthorizationStatus.invalid

    report = tmp_path / "report"
    async with CentralSystem(host="127.0.0.1", port=0, authorize=authorize) as central:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware", "witness", "--csms-url", f"ws://127.0.0.1:{central.port}/ocpp",
            "--charge-point-id", "WIT3", "--report", str(report), "--card", "GOOD-1", "--blocked-card", "GONE-1",
            "--depth", "semi-public", "--connection-timeout", "10", cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        for _ in range(300):  # as its operator would: a short connection timeout, set in the CSMS
            if "WIT3" in central.charge_points and central.charge_points["WIT3"].connected:
                break
            await asyncio.sleep(0.1)
        assert await central.charge_points["WIT3"].async_change_configuration("ConnectionTimeOut", "10") == "Accepted"
        out, _ = await asyncio.wait_for(child.communicate(), 500)
    assert child.returncode == 0, out.decode()
    body = json.loads((report / "report.json").read_text())["report"]
    ran = [s for s in body["steps"] if s["result"] != "skipped"]
    assert {s["area"] for s in ran} == {"commissioning", "authorization", "communication", "fault handling",
                                        "metering and billing"}
    assert all(s["result"] == "passed" for s in ran) and len(body["reconciliation"]) >= 2


async def in_2_0_1_against_another_projects_stack(tmp_path):
    """scripts/witness_independent_201.py: npm ocpp-rpc's strict 2.0.1 CSMS, the script its operator (fleet)."""
    report = tmp_path / "report"
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "scripts" / "witness_independent_201.py"), "--report", str(report), cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(child.communicate(), 600)
    assert child.returncode == 0, out.decode()
    assert ", 0 against the schema;" in out.decode()
    body = json.loads((report / "report.json").read_text())["report"]
    assert body["csms"]["ocpp_version"] == "2.0.1"
    assert [s["action"] for s in body["steps"] if s["result"] != "passed"] == []
    assert {"smart charging", "remote operations", "fault handling"} <= {s["area"] for s in body["steps"]}


async def a_witness_file_side_by_side(tmp_path):
    strict, lax = BenchCsms(), BenchCsms()
    strict.accept_unknown = False  # lax lets any card charge: the unknown-card step must fail there
    await strict.start()
    await lax.start()
    spec = tmp_path / "backends.toml"
    spec.write_text(f'''
[[backend]]
name = "strict"
csms_url = "{strict.url}"
charge_point_id = "WIT-S"

[[backend]]
name = "lax"
csms_url = "{lax.url}"
charge_point_id = "WIT-L"
''')
    report = tmp_path / "report"
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware", "witness", "--witness-file", str(spec), "--report", str(report),
            "--depth", "workplace", cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(child.communicate(), 500)
    finally:
        await strict.stop()
        await lax.stop()
    assert child.returncode == 1, out.decode()  # a step failed at one backend
    matrix = json.loads((report / "matrix.json").read_text())
    unknown = next(s for s in matrix["steps"] if s["action"] == "an unknown card")
    assert unknown["results"] == {"strict": "passed", "lax": "failed"}
    assert matrix["backends"]["lax"]["csms"]["charge_point_id"] == "WIT-L"
    assert (report / "strict" / "report.json").exists() and (report / "lax" / "report.html").exists()
    assert "strict" in (report / "matrix.html").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text('[[backend]]\nname = "x"\ncsms_url = "ws://127.0.0.1:9/ocpp"\ncharge_point_id = "X"\nport = 1\n')
    refused = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware", "witness", "--witness-file", str(bad), "--report", str(report), cwd=ROOT,
        stderr=asyncio.subprocess.PIPE)
    _, err = await refused.communicate()
    assert refused.returncode == 2 and b"unknown key port" in err


@pytest.mark.timeout(900)
async def test_the_witness_scenarios_side_by_side(tmp_path):
    scenarios = (cpo_with_a_scripted_operator, in_2_0_1_without_an_operator, against_an_independent_csms,
                 in_2_0_1_against_another_projects_stack, a_witness_file_side_by_side)
    for name in (s.__name__ for s in scenarios):
        (tmp_path / name).mkdir()
    outcomes = await asyncio.gather(*(s(tmp_path / s.__name__) for s in scenarios), return_exceptions=True)
    failed = [(s.__name__, o) for s, o in zip(scenarios, outcomes) if isinstance(o, BaseException)]
    for name, error in failed:
        print(f"---- {name}: {error!r}")
    if failed:
        raise failed[0][1]

