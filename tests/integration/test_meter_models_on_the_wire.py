"""Every supported model, served by `evse meter-sim` and read back by our driver over a real line."""

import asyncio
import sys

import pytest

from controller import ROOT, free_port
from hal.errors import MeterError
from hal.meters.bus import ModbusBus, ModbusMeter
from hal.meters.maps import MODELS
from hal.meters.models import MODEL_NAMES


async def serve(model, *line_args):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware", "meter-sim", "--model", model, *line_args, "--address", "7",
        "--energy-wh", "123456", "--current-a", "10", stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    await asyncio.wait_for(proc.stdout.readline(), 15)  # "meter-sim: ... on ..."
    return proc


def check(reading, regmap):
    assert reading.energy_wh == pytest.approx(123456, abs=100)  # EM3x0/EM24 count 100 Wh steps
    assert reading.currents_a == pytest.approx((10.0,) * regmap.phases, abs=0.01)
    assert reading.voltages_v == pytest.approx((230.0,) * regmap.phases, abs=0.1)
    assert reading.power_w == pytest.approx(2300.0 * regmap.phases, rel=1e-3)
    if regmap.field("frequency_hz") is not None:  # AC meters; a DC meter has none
        assert reading.frequency_hz == pytest.approx(50.0, abs=0.1)
    assert reading.serial == ("10000007" if regmap.serial is not None else None)


@pytest.mark.parametrize("model", MODEL_NAMES)
async def test_each_model_over_modbus_tcp(model):
    port = free_port()
    proc = await serve(model, "--tcp", f"127.0.0.1:{port}")
    try:
        bus = ModbusBus("tcp", host="127.0.0.1", tcp_port=port, timeout_s=1.0)
        check(await asyncio.to_thread(ModbusMeter(bus, 7, MODELS[model]).read), MODELS[model])
        with pytest.raises(MeterError):  # nobody at address 8: no answer, a clear error
            await asyncio.to_thread(ModbusMeter(bus, 8, MODELS[model]).read)
        bus.close()
    finally:
        proc.terminate()
        await proc.wait()


@pytest.mark.parametrize("model", MODEL_NAMES)
async def test_each_model_over_rtu_on_a_pty_pair(model, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    socat = await asyncio.create_subprocess_exec("socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}")
    while not (a.exists() and b.exists()):
        await asyncio.sleep(0.02)
    proc = await serve(model, "--serial", str(a), "--baud", "19200")  # ptys refuse parity settings
    try:
        bus = ModbusBus("rtu", port=str(b), baud=19200, timeout_s=1.0)
        check(await asyncio.to_thread(ModbusMeter(bus, 7, MODELS[model]).read), MODELS[model])
        bus.close()
    finally:
        proc.terminate()
        socat.terminate()
        await asyncio.gather(proc.wait(), socat.wait())
