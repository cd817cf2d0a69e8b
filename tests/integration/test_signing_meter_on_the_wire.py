"""A signing meter (Iskra WM3M4C) served by `evse meter-sim` with a key made here, driven by our
driver over a real line: the OCMF record it hands back verifies with that key, independently."""

import asyncio
import sys

import aiohttp
import pytest
from cryptography.exceptions import InvalidSignature

from controller import ROOT, free_port
from hal.meters.bus import ModbusBus
from hal.meters.iskra_signing import IskraSigningMeter
from hal.meters.maps import MODELS
from hal.types import SignedStart
from ocmf_check import meter_key_files, refusals_are_signing_errors, verify_ocmf

START = SignedStart("tx-1", "04A1B2C3D4", "ISO14443", ("RFID_PLAIN", "OCPP_AUTH"), "DE*EXA*E1234*1")


@pytest.fixture
def meter_key(tmp_path):
    return meter_key_files(tmp_path)


async def serve(key_path, api_port, *line):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware", "meter-sim", "--model", "iskra_wm3m4c", *line, "--address", "33",
        "--energy-wh", "50000", "--current-a", "16", "--signing-key", str(key_path), "--api-port", str(api_port),
        stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    await asyncio.wait_for(proc.stdout.readline(), 15)
    return proc


async def one_signed_transaction(meter, key_der):
    assert bytes.fromhex(await asyncio.to_thread(meter.public_key)) == key_der
    began = await asyncio.to_thread(meter.begin_signed, START)
    (alone,) = verify_ocmf(began.data, key_der)["RD"]  # the begin reading, signed at once
    await asyncio.sleep(0.5)
    signed = await asyncio.to_thread(meter.end_signed, START.transaction_id)
    payload = verify_ocmf(signed.data, bytes.fromhex(signed.public_key))
    assert bytes.fromhex(signed.public_key) == key_der
    begin, end = payload["RD"]
    assert (begin["TX"], end["TX"]) == ("B", "E") and begin == alone
    assert 50.0 <= begin["RV"] < end["RV"] < 50.1  # kWh: 16 A on three phases for half a second
    assert (payload["ID"], payload["IT"], payload["IF"]) == ("04A1B2C3D4", "ISO14443", ["RFID_PLAIN", "OCPP_AUTH"])
    assert (payload["MS"], payload["CI"]) == ("10000033", "DE*EXA*E1234*1")
    tampered = signed.data.replace(f'"RV":{end["RV"]}', f'"RV":{end["RV"] + 1}')
    with pytest.raises(InvalidSignature):
        verify_ocmf(tampered, key_der)
    return payload


async def test_a_signed_transaction_over_modbus_tcp_verifies_and_faults_are_errors(meter_key):
    key_path, key_der = meter_key
    port, api = free_port(), free_port()
    proc = await serve(key_path, api, "--tcp", f"127.0.0.1:{port}")
    bus = ModbusBus("tcp", host="127.0.0.1", tcp_port=port, timeout_s=1.0)
    meter = IskraSigningMeter(bus, 33, MODELS["iskra_wm3m4c"])
    try:
        first = await one_signed_transaction(meter, key_der)
        second = await one_signed_transaction(meter, key_der)
        assert (first["PG"], second["PG"]) == ("T2", "T4")  # the meter's pagination, unbroken: B, E, B, E
        async with aiohttp.ClientSession() as http:
            async def set_signing(**what):
                async with http.post(f"http://127.0.0.1:{api}/meters", json={"address": 33, "signing": what}) as r:
                    assert r.status == 200
            await refusals_are_signing_errors(meter, START, set_signing, key_der)
    finally:
        bus.close()
        proc.terminate()
        await proc.wait()


async def test_a_signed_transaction_over_rtu_on_a_pty_pair(meter_key, tmp_path):
    key_path, key_der = meter_key
    a, b = tmp_path / "a", tmp_path / "b"
    socat = await asyncio.create_subprocess_exec("socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}")
    while not (a.exists() and b.exists()):
        await asyncio.sleep(0.02)
    proc = await serve(key_path, free_port(), "--serial", str(a), "--baud", "115200")
    bus = ModbusBus("rtu", port=str(b), baud=115200, timeout_s=1.0)
    try:
        await one_signed_transaction(IskraSigningMeter(bus, 33, MODELS["iskra_wm3m4c"]), key_der)
    finally:
        bus.close()
        proc.terminate()
        socat.terminate()
        await asyncio.gather(proc.wait(), socat.wait())
