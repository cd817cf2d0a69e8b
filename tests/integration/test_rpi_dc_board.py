"""A DC connector on a Raspberry Pi board (board-configs/rpi4-1xdc-60kw.toml) built by the real
`create_rpi_hal`: the pins on gpiozero's MockFactory, the UUGreen modules simulated on python-can's
virtual bus, the Bender isoCHA simulated on a real serial line (a pty pair). The DC power path runs a
cable check, pre-charge and current demand through those drivers, and the insulation monitor's alarm
pin switches the output off in the tick that reads it."""

import shutil
import time

import can
import pytest

from dc_rig import EvEcu
from firmware.dc.power_path import CHARGING, FAULT, DcPowerPath
from hal.interfaces import DcConnectorHal
from hal.mock.uugreen_sim import SimUUGreenModules
from imd_line import Line
from pinbench import PinBoard, mock_pins

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture
def factory():
    yield from mock_pins()


def board_file(tmp_path, imd_port: str, channel: str):
    text = (ROOT / "board-configs" / "rpi4-1xdc-60kw.toml").read_text()
    text = text.replace('can_interface = "socketcan"', 'can_interface = "virtual"').replace(
        'can_channel = "can0"', f'can_channel = "{channel}"').replace('"/dev/ttyAMA0"', f'"{imd_port}"')
    text = text[:text.index("[[meters]]")]  # the DC meter's simulator is test_meter_models_on_the_wire's
    path = tmp_path / "rpi-dc.toml"
    path.write_text(text)
    return path


@pytest.fixture
def dc_board(tmp_path, factory):
    """(the pin bench, the isoCHA's line, the simulated modules) of one DC Pi board, released after."""
    if shutil.which("socat") is None:
        pytest.skip("the test command installs socat")
    channel = f"rpi-dc-{time.monotonic_ns()}"
    with Line(tmp_path, own_bus=False) as line:
        sim = SimUUGreenModules(can.Bus(interface="virtual", channel=channel), line.dc, [1, 2], max_a=100.0)
        pins = PinBoard(str(board_file(tmp_path, str(line.driver_end), channel)), tmp_path, factory, ROOT)
        try:
            yield pins, line, sim
        finally:
            pins.hal.close()
            sim.close()


def test_a_dc_board_charges_through_its_real_drivers(dc_board):
    pins, line, sim = dc_board
    hal = pins.hal.connectors[1]
    assert isinstance(hal, DcConnectorHal)
    assert hal.ev_link_command is None  # the SECC is a service of its own on a board (evse-secc@.service)
    assert line.sim.written[3007] == 100  # the alarm threshold, written at start
    ev = EvEcu(line.dc.battery)
    path = DcPowerPath(1, hal, limit_a=lambda now: float("inf"), ev_ready=ev.s2_closed)

    def tick():
        now = time.monotonic()
        line.dc.contactor_cmd = pins.coil(1)
        pins.step()
        line.dc.step(now)
        ev.step(now, path, line.dc)
        path.tick(now, ev.request)

    assert run(tick, lambda: path.state == CHARGING and line.dc.current_a > 20, 30), path.status()
    assert path.insulation_ohm == pytest.approx(5e6)  # measured over the serial line at the test voltage
    pins.trip(pins.board.connectors[0].dc.isolation_alarm_pin)  # the relay opens: normally closed
    tick()
    assert path.state == FAULT and "insulation" in path.fault and not pins.coil(1)
    assert run(tick, lambda: not any(m.is_on for m in sim.modules.values()), 1)  # off frames over CAN


def run(tick, done, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        tick()
        if done():
            return True
        time.sleep(0.02)
    return False


def test_selftest_on_a_dc_board_checks_its_modules_and_insulation_monitor(dc_board):
    from firmware.selftest import FAIL, PASS, SelfTest

    pins, line, sim = dc_board

    def sleep(s):
        pins.step()
        time.sleep(s)

    rows = {r.check: r for r in SelfTest(pins.board, pins.hal, sleep=sleep).run() if r.where == "connector 1"}
    assert rows["power modules"].result == PASS and rows["insulation monitor self test"].result == PASS
    assert rows["contactor closes"].result == PASS
    line.dc.imd_self_test_ok = False
    line.dc.module_faults[2] = {"over-temperature"}
    rows = {r.check: r for r in SelfTest(pins.board, pins.hal, sleep=sleep).run() if r.where == "connector 1"}
    assert rows["insulation monitor self test"].result == FAIL
    assert rows["power modules"].result == FAIL and "over-temperature" in rows["power modules"].detail
