"""The UUGreen power-module driver (hal/dc/uugreen.py) against simulated modules answering on
python-can's virtual bus: the frames as the protocol lays them out, set points and on/off reaching
the modules, readings and status bits coming back, a silent module turning into a fault."""

import itertools
import time

import can
import pytest

from hal.dc import uugreen_protocol as uu
from hal.dc.stack import ModuleStack
from hal.dc.uugreen import SILENT_S, UUGreenBus
from hal.mock.dc import DcBus
from hal.mock.uugreen_sim import SimUUGreenModules

channels = itertools.count()


def wait(predicate, seconds=2.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def rig():
    channel = f"uugreen-{next(channels)}"
    dc = DcBus()
    sim = SimUUGreenModules(can.Bus(interface="virtual", channel=channel), dc, [1, 2])
    link = UUGreenBus(can.Bus(interface="virtual", channel=channel), poll_s=0.05)
    modules = [link.module(1), link.module(2)]
    yield dc, sim, link, modules
    link.close()
    sim.close()


def test_the_frames_are_laid_out_as_the_protocol_says():
    assert uu.can_id(5, controller=1) == (1 << 25) | (1 << 21) | (5 << 14) == 0x02214000
    assert uu.payload(uu.SET_DATA, uu.VOUT_REFERENCE, 750_000) == bytes([0x00, 0x02, 0, 0, 0x00, 0x0B, 0x71, 0xB0])
    assert uu.payload(uu.READ_DATA, uu.MODULE_STATUS, group=3) == bytes([0x32, 0x08, 0, 0, 0, 0, 0, 0])
    assert uu.parse_payload(bytes([0x03, 0x00, 0, 0, 0x00, 0x06, 0x1A, 0x80])) == (uu.READ_DATA_RESPONSE, uu.VOUT,
                                                                                    400_000)
    assert uu.status_faults(uu.status_word({"over-temperature", "PFC failed"})) == {"over-temperature", "PFC failed"}
    with pytest.raises(ValueError):
        uu.parse_payload(bytes(4))


def test_set_points_and_on_off_reach_every_module(rig):
    dc, sim, link, modules = rig
    stack = ModuleStack(modules)
    stack.set_output(500.0, 40.0)
    stack.on()
    assert wait(lambda: all(m.is_on and m.set_v == 500.0 and m.set_a == 20.0 for m in sim.modules.values()))
    stack.off()
    assert wait(lambda: not any(m.is_on for m in sim.modules.values()))


def test_set_points_are_kept_within_the_modules_rating(rig):
    dc, sim, link, modules = rig
    modules[0].set_output(1200.0, 80.0)  # 1000 V / 30 A / 30 kW modules
    assert wait(lambda: sim.modules[1].set_v == 1000.0 and sim.modules[1].set_a == 30.0)


def test_readings_and_status_bits_come_back(rig):
    dc, sim, link, modules = rig
    dc.voltage_v, dc.current_a = 400.0, 50.0
    assert wait(lambda: modules[0].read().voltage_v == 400.0 and modules[1].read().current_a == 25.0)
    dc.module_faults[2] = {"over-temperature"}
    stack = ModuleStack(modules)
    assert wait(lambda: stack.read().faults == {"module 2: over-temperature"})
    dc.module_faults.clear()
    assert wait(lambda: not stack.read().faults)


def test_a_module_that_stops_answering_becomes_a_fault(rig):
    dc, sim, link, modules = rig
    assert wait(lambda: not modules[1].read().faults)
    sim.silent.add(2)
    assert wait(lambda: any("not answering on CAN" in f for f in modules[1].read().faults), SILENT_S + 1)
    assert not modules[0].read().faults


def test_a_frame_that_cannot_be_read_is_skipped_and_the_driver_goes_on(rig, caplog):
    dc, sim, link, modules = rig
    bad = can.Message(arbitration_id=uu.can_id(1), is_extended_id=True, data=bytes([3, 0, 0, 0]))
    link._on_frame(bad)
    assert "cannot read" in caplog.text
    dc.voltage_v = 123.0
    assert wait(lambda: modules[0].read().voltage_v == 123.0)
