"""A signed DC session: the DC bench (ISO 15118-2 with the bench EV) measured by a LEM DCBM 400/600
that `evse meter-sim --model lem_dcbm` serves over HTTP with a key made here; OCPP 1.6's
StopTransaction carries its OCMF record, which verifies independently and bills what was metered."""

import asyncio
import sys

import pytest
from ocpp.v16 import call

from controller import ROOT, ControllerProcess, free_port
from hlc_bench import ensure_hlc_environment
from ocmf_check import meter_key_files, verify_ocmf

pytestmark = pytest.mark.alone  # timing under load: run by itself (scripts/test.sh)


def board(tmp_path, url: str) -> str:
    text = (ROOT / "board-configs" / "bench-dc.toml").read_text()
    text = text.replace("[mock]", f'[[meters]]\nname = "dc-1"\nmodel = "lem_dcbm"\nmeasures = 1\nurl = "{url}"\n\n[mock]')
    path = tmp_path / "bench-dc-lem.toml"
    path.write_text(text)
    return str(path)


async def test_a_dc_session_signed_by_a_lem_dcbm(csms, tmp_path):
    ensure_hlc_environment()
    key_path, key_der = meter_key_files(tmp_path)
    port = free_port()
    station = ControllerProcess(csms.url, tmp_path / "data", board=board(tmp_path, f"http://127.0.0.1:{port}"),
                                cp_id="DCSIGNED")
    sim = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware", "meter-sim", "--model", "lem_dcbm", "--http", f"127.0.0.1:{port}",
        "--energy-wh", "90000", "--signing-key", str(key_path), "--follow", station.api, "--connector", "1",
        stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    try:
        await asyncio.wait_for(sim.stdout.readline(), 15)
        await station.start()
        await csms.wait_connected("DCSIGNED", 15)
        await station.until(lambda c: c["status"] == "Available" and c["meter"]["energy_wh"] >= 90_000, 15)
        await station.post("/ev", {"connector": 1, "state": "B"})
        await station.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
        await station.until(lambda c: c["dc"]["state"] == "charging" and c["dc"]["present_current_a"] > 10, 60)
        await asyncio.sleep(4)
        await station.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})  # the driver stops with the card
        stop = (await csms.wait_for(lambda c: c.actions("StopTransaction"), 30))[0]
        await station.post("/ev", {"connector": 1, "state": "A"})
        start = csms.actions("StartTransaction")[0]
        signed = [v for mv in stop["transactionData"] for v in mv["sampledValue"] if v.get("format") == "SignedData"]
        payload = verify_ocmf(signed[0]["value"], key_der)
        begin, end = payload["RD"]
        assert (begin["RT"], payload["MV"], payload["ID"], payload["CI"]) == ("DC", "LEM", "04A1B2C3", "DCSIGNED 1")
        assert begin["RV"] * 1000 == pytest.approx(start["meterStart"], abs=1.0)
        assert end["RV"] * 1000 == pytest.approx(stop["meterStop"], abs=1.0)
        assert stop["meterStop"] - start["meterStart"] > 20  # some seconds of DC charging, billed as signed
        got = await csms.charge_points["DCSIGNED"].call(call.GetConfiguration(key=["MeterPublicKey1"]))
        assert bytes.fromhex(got.configuration_key[0]["value"]) == key_der
    finally:
        await station.close()
        sim.terminate()
        await sim.wait()
        print(station.log())
