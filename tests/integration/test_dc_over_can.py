"""A DC session in real time with the power path driving two UUGreen modules over CAN (python-can's
virtual bus; simulated modules answering as the real ones do): cable check, pre-charge, current,
stop and welding check, with the module limits of the stack and a module fault opening the output."""

import itertools
import time

import pytest

from dc_rig import EvEcu
from firmware.dc.power_path import CHARGING, DONE, FAULT, DcPowerPath
from hal.mock.dc import Battery, DcBus
from hal.mock.dc_can import dc_connector_over_can

channels = itertools.count()


class CanRig:
    def __init__(self, soc_pct: float):
        self.dc = DcBus(battery=Battery(capacity_kwh=2.0, soc_pct=soc_pct))
        hal, self.sim, self.link = dc_connector_over_can(self.dc, f"dc-can-{next(channels)}")
        self.ev = EvEcu(self.dc.battery)
        self.path = DcPowerPath(1, hal, limit_a=lambda now: float("inf"), ev_ready=self.ev.s2_closed)
        self.states: list[str] = []

    def run(self, until, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            now = time.monotonic()
            self.dc.step(now)
            self.ev.step(now, self.path, self.dc)
            self.path.tick(now, self.ev.request)
            if not self.states or self.states[-1] != self.path.state:
                self.states.append(self.path.state)
            if until():
                return True
            time.sleep(0.02)
        return False

    def close(self):
        self.link.close()
        self.sim.close()


@pytest.fixture
def rig_at():
    rigs = []

    def make(soc):
        rigs.append(CanRig(soc))
        return rigs[-1]
    yield make
    for r in rigs:
        r.close()


@pytest.mark.timeout(90)
def test_a_whole_dc_session_over_can(rig_at):
    rig = rig_at(78.5)
    assert rig.run(lambda: rig.path.state == CHARGING, 30), (rig.states, rig.path.status())
    wanted = lambda: min(rig.dc.battery.wants_a(), 60.0)  # the EV's curve, or two 30 A modules
    assert rig.run(lambda: abs(rig.dc.current_a - wanted()) < 2.0, 5), (rig.dc.current_a, wanted())
    assert rig.run(lambda: rig.path.state not in (CHARGING, "stopping", "welding_check"), 40), rig.path.status()
    assert rig.states[-2:] == ["welding_check", DONE] or rig.states[-1] == "off", rig.states
    assert rig.path.fault is None and rig.dc.battery.soc_pct >= 80.0
    assert not any(m.is_on for m in rig.sim.modules.values()) and not rig.dc.contactor_cmd


@pytest.mark.timeout(60)
def test_a_module_fault_reported_over_can_opens_the_output(rig_at):
    rig = rig_at(40.0)
    assert rig.run(lambda: rig.path.state == CHARGING and rig.dc.current_a > 50, 30), rig.path.status()
    rig.dc.module_faults[2] = {"DC-DC failed"}
    began = time.monotonic()
    assert rig.run(lambda: rig.path.state == FAULT, 2)
    assert "module 2: DC-DC failed" in rig.path.fault and time.monotonic() - began < 0.5  # a poll and a tick
    assert rig.run(lambda: not any(m.is_on for m in rig.sim.modules.values()), 1), "the off frames reached the modules"
    assert not rig.dc.contactor_cmd
