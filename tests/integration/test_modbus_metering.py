"""Metering over a real Modbus RTU line (pty pair) through the full stack."""

import asyncio

import pytest

from controller import ControllerProcess
from modbus_bench import MeterLine


@pytest.fixture
async def line_and_controller(csms, tmp_path):
    line = MeterLine(tmp_path)
    ctl = ControllerProcess(csms.url, tmp_path / "data", board=str(line.board()))
    await line.start(ctl.api)
    await ctl.start()
    await csms.wait_for(lambda c: c.charge_points.get("CP001") and c.actions("StatusNotification"), 15)
    yield line, ctl
    await ctl.close()
    await line.stop()
    print(ctl.log())


async def test_a_session_bills_exactly_the_simulators_register(csms, line_and_controller):
    line, ctl = line_and_controller
    await ctl.until(lambda c: c["meter"]["energy_wh"] >= 1_000_000.0 and c["meter"]["online"], timeout=15)
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    await ctl.until(lambda c: c["contactor_closed"])
    await asyncio.sleep(4)
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 15))[0]
    start = csms.actions("StartTransaction")[0]
    socket = line.meters()[1]
    register = socket["register_wh"]  # as the meter's float32 in kWh holds it
    assert start["meterStart"] == 1_000_000
    assert stop["meterStop"] == round(register)  # the meter's register, to the Wh
    assert stop["meterStop"] - start["meterStart"] >= 3 * 22080 / 3600 * 0.9
    site = line.meters()[3]["energy_wh"]
    # the supply meter counted at least what the socket took, to within the simulator's timing: each
    # meter integrates up to the moment its current is set, a moment apart (well under 0.01 Wh at 22 kW)
    assert site >= socket["energy_wh"] - 0.01


async def test_a_meter_pulled_off_the_bus_and_put_back(csms, line_and_controller):
    line, ctl = line_and_controller
    await ctl.until(lambda c: c["meter"]["online"] and c["meter"]["energy_wh"] > 0, timeout=15)
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    await ctl.until(lambda c: c["contactor_closed"])
    line.set(address=1, silent=True)
    c = await ctl.until(lambda c: not c["meter"]["online"], timeout=10)
    assert "meter_offline" in c["faults"]
    c = await ctl.until(lambda c: c["status"] == "SuspendedEVSE" and not c["contactor_closed"], timeout=5)
    failure = await csms.wait_for(lambda s: [p for p in s.actions("StatusNotification")
                                             if p["connectorId"] == 1 and p["errorCode"] == "PowerMeterFailure"])
    assert failure[0]["status"] in ("Charging", "SuspendedEVSE")
    frozen = line.meters()[1]["energy_wh"]
    line.set(address=1, silent=False)
    await ctl.until(lambda c: c["meter"]["online"] and c["contactor_closed"] and c["status"] == "Charging", timeout=15)
    assert line.meters()[1]["energy_wh"] >= frozen
    await ctl.post("/ev", {"connector": 1, "state": "A"})
    stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 15))[0]
    assert stop["meterStop"] == round(line.meters()[1]["register_wh"])


async def test_three_meters_on_one_bus_with_one_silent(csms, line_and_controller):
    line, ctl = line_and_controller
    await ctl.until(lambda c: c["meter"]["online"], cid=2, timeout=15)
    line.set(address=2, silent=True)
    await ctl.until(lambda c: not c["meter"]["online"], cid=2, timeout=10)
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    await ctl.until(lambda c: c["contactor_closed"])
    # connector 1's meter keeps being read about every poll_s despite the silent neighbour
    first = (await ctl.until(lambda c: c["meter"]["power_w"] > 20000, timeout=10))["meter"]["energy_wh"]
    await asyncio.sleep(3)
    later = (await ctl.connector(1))["meter"]["energy_wh"]
    assert later - first >= 2 * 22080 / 3600 * 0.8
    assert (await ctl.connector(1))["meter"]["online"] and not (await ctl.connector(2))["meter"]["online"]
