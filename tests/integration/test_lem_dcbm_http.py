"""The LEM DCBM 400/600 over its HTTP API: `evse meter-sim --model lem_dcbm` with a key made here,
driven by our driver (hal.meters.lem_dcbm); its OCMF record verifies independently."""

import asyncio
import sys

import aiohttp
import pytest

from controller import ROOT, free_port
from hal.errors import MeterError
from hal.meters.lem_dcbm import LemDcbm
from hal.types import SignedStart
from ocmf_check import meter_key_files, refusals_are_signing_errors, verify_ocmf

START = SignedStart("session-7", "04A1B2C3D4", "ISO14443", ("RFID_PLAIN",), "CP001 1")


@pytest.fixture
async def lem(tmp_path):
    key_path, key_der = meter_key_files(tmp_path)
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware", "meter-sim", "--model", "lem_dcbm", "--http", f"127.0.0.1:{port}",
        "--energy-wh", "120000", "--signing-key", str(key_path), stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    await asyncio.wait_for(proc.stdout.readline(), 15)
    http = aiohttp.ClientSession()

    async def sim(**body):
        async with http.post(f"http://127.0.0.1:{port}/sim", json=body) as r:
            assert r.status == 200
            return await r.json()

    yield LemDcbm(f"http://127.0.0.1:{port}", timeout_s=1.0), sim, key_der
    await http.close()
    proc.terminate()
    await proc.wait()


async def test_readings_and_a_signed_transaction_that_verifies(lem):
    meter, sim, key_der = lem
    await sim(voltage_v=400.0, current_a=150.0)
    reading = await asyncio.to_thread(meter.read)
    assert reading.dc and reading.voltages_v == (400.0,) and reading.currents_a == (150.0,)
    assert reading.power_w == 60_000.0 and reading.energy_wh >= 120_000.0 and reading.serial == "LEM0000001"
    assert bytes.fromhex(await asyncio.to_thread(meter.public_key)) == key_der
    await asyncio.to_thread(meter.begin_signed, START)
    await asyncio.sleep(0.5)
    signed = await asyncio.to_thread(meter.end_signed, START.transaction_id)
    payload = verify_ocmf(signed.data, bytes.fromhex(signed.public_key))
    assert bytes.fromhex(signed.public_key) == key_der and signed.signing_method == "ECDSA-secp256r1-SHA256"
    begin, end = payload["RD"]
    assert (begin["TX"], end["TX"], begin["RT"], payload["ID"], payload["CI"]) == ("B", "E", "DC", "04A1B2C3D4",
                                                                                    "CP001 1")
    assert 120.0 <= begin["RV"] < end["RV"] and (end["RV"] - begin["RV"]) * 1000 == pytest.approx(8.3, abs=3)
    assert begin["TM"].endswith(" S")  # the legal clock was set before the transaction


async def test_the_meters_refusals_are_signing_errors(lem):
    meter, sim, key_der = lem
    await refusals_are_signing_errors(meter, START, sim, key_der)
    with pytest.raises(MeterError):  # a meter that is gone is a MeterError naming it, not a hang
        await asyncio.to_thread(LemDcbm(f"http://127.0.0.1:{free_port()}", timeout_s=0.5).read)
