"""A whole DC session with the EV talking for real (iso15118's SECC and EVCC in .venv-hlc, on a veth
pair in a network namespace): cable check, pre-charge, current demand following the battery's curve,
power delivery stop and welding detection, in ISO 15118-2; ISO 15118-20's charge loop; the faults the EV's side
brings. Scenarios run side by side: each is mostly waiting on the EV."""

import asyncio
import re
import subprocess

import pytest

from hal.mock.dc import Battery
from hlc_bench import HlcBench

pytestmark = pytest.mark.alone  # timing under load: run by itself (scripts/test.sh)

FLOW = ["off", "cable_check", "cable_ok", "precharge", "charging", "stopping", "welding_check", "done"]


async def a_whole_dc_session_with_the_ev_talking(tmp_path, protocol):
    bench = HlcBench(tmp_path, protocol, Battery(capacity_kwh=2.0, soc_pct=78.0))
    await bench.bridge.start()
    try:
        assert await bench.run(lambda: bench.path.state == "charging", 90), (bench.states, bench.path.status())
        assert bench.bridge.protocol == protocol
        assert await bench.run(lambda: bench.dc.current_a > 0.9 * min(bench.dc.battery.wants_a(), 200.0), 10)
        assert await bench.run(lambda: bench.path.state in ("done", "fault", "off"), 60), bench.path.status()
    finally:
        await bench.bridge.stop()
    assert bench.path.fault is None, bench.path.fault
    assert [s for s in bench.states if s in FLOW][:len(FLOW)] == FLOW, bench.states
    assert bench.dc.battery.soc_pct >= 80.0
    assert not bench.dc.contactor_cmd and bench.dc.voltage_v < 60.0


async def a_bad_insulation_fails_the_cable_check_and_the_ev_is_told(tmp_path):
    bench = HlcBench(tmp_path, "ISO_15118_2", Battery(capacity_kwh=2.0, soc_pct=50.0))
    bench.dc.insulation_ohm = 60e3
    await bench.bridge.start()
    try:
        assert await bench.run(lambda: bench.path.state == "fault", 60), (bench.states, bench.path.status())
        assert await bench.run(lambda: bench.bridge.request.stage == "ended", 20), bench.bridge.request
    finally:
        await bench.bridge.stop()
    assert "insulation" in bench.path.cable_check_failed
    assert bench.dc.battery.soc_pct == 50.0 and not bench.dc.contactor_cmd
    assert "precharge" not in bench.states


async def charging_bench(tmp_path, protocol="ISO_15118_2"):
    bench = HlcBench(tmp_path, protocol, Battery(capacity_kwh=60.0, soc_pct=40.0))
    await bench.bridge.start()
    assert await bench.run(lambda: bench.path.state == "charging" and bench.dc.current_a > 50, 90), bench.states
    return bench


async def a_20_ev_with_an_error_falls_silent_and_its_output_goes_off(tmp_path):
    """A -20 car charging, told the meter's register in its charge loop as it rises (MeterInfo). -20
    carries no EV error code: the bench car with the error stops talking, while the SECC's heartbeat
    keeps the link up; the silence alone must open the output. (-2's error code in the
    current demand loop opening it is test_dc_controller's dc_faults_16, through `evse run`.)"""
    bench = await charging_bench(tmp_path, "ISO_15118_20_DC")
    try:
        assert bench.bridge.protocol == "ISO_15118_20_DC"
        assert await bench.run(lambda: meter_told(tmp_path)[-1:] > [20], 10), meter_told(tmp_path)
        bench.ev_error = "FAILED_EVRESSMalfunction"
        assert await bench.run(lambda: bench.path.state == "fault", 5), bench.path.status()
        assert await bench.run(lambda: not bench.dc.contactor_cmd, 3), bench.path.status()
    finally:
        await bench.bridge.stop()
    assert "silent" in bench.path.fault, bench.path.fault
    assert not any(m.is_on for m in bench.dc.modules) and not bench.dc.contactor_cmd
    told = meter_told(tmp_path)
    assert told == sorted(told), told  # the register as it rose, once a charge loop request


def meter_told(tmp_path) -> list[int]:
    """What the -20 car was told of the charger's meter (MeterInfo, asked in its DC_ChargeLoopReqs)."""
    return [int(wh) for wh in re.findall(r"the charger's meter bench-dc-meter reads (\d+) Wh",
                                         (tmp_path / "hlc.log").read_text())]


async def an_ev_that_falls_silent_while_charging_gets_its_output_off(tmp_path):
    bench = await charging_bench(tmp_path)
    try:
        subprocess.run(["pkill", "-KILL", "-f", f"hlc.ev_child .*{bench.battery_file}"], check=True)
        assert await bench.run(lambda: bench.path.state != "charging", 4), bench.path.status()
        assert await bench.run(lambda: not bench.dc.contactor_cmd, 3), bench.path.status()
    finally:
        await bench.bridge.stop()
    assert not any(m.is_on for m in bench.dc.modules)


def apart(tmp_path, name: str):
    folder = tmp_path / name
    folder.mkdir()
    return folder


@pytest.mark.timeout(180)
async def test_a_session_insulation_ev_errors_and_silence_with_the_ev_talking(tmp_path):
    """The path and the EV link alone (no controller around them), four scenarios side by side: a whole
    ISO 15118-2 session (DIN SPEC 70121, and ISO 15118-20's whole session through `evse demo`, are
    test_dc_controller's), a bad insulation, a -20 EV charging then failing, an EV that falls silent."""
    await asyncio.gather(a_whole_dc_session_with_the_ev_talking(apart(tmp_path, "session"), "ISO_15118_2"),
                         a_bad_insulation_fails_the_cable_check_and_the_ev_is_told(apart(tmp_path, "insulation")),
                         a_20_ev_with_an_error_falls_silent_and_its_output_goes_off(apart(tmp_path, "error")),
                         an_ev_that_falls_silent_while_charging_gets_its_output_off(apart(tmp_path, "silent")))
