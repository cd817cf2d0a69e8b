"""A DC connector on the bench's DC bus for in-process tests: two simulated modules in a stack, the
DC contactors, an insulation monitor with its alarm, a DC meter, an injected clock; and an EV that
walks the DIN SPEC 70121 / ISO 15118-2 DC sequence at the neutral level (EvRequest), as the HLC
bridge will hand it to the power path."""

from __future__ import annotations

from firmware.dc import ev_link
from firmware.dc.ev_link import EvRequest
from firmware.dc.power_path import CABLE_OK, CHARGING, DcPowerPath
from hal.dc.stack import ModuleStack
from hal.mock.dc import Battery, DcBus, SimPowerModule, bench_dc_connector

TICK_S = 0.02


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class DcRig:
    def __init__(self, battery: Battery | None = None, limit_a=lambda now: float("inf")):
        self.clock = Clock()
        self.bus = DcBus(battery=battery or Battery())
        self.modules = [SimPowerModule(self.bus, i, max_a=100.0, max_w=30000.0, clock=self.clock) for i in (1, 2)]
        self.hal = bench_dc_connector(self.bus, ModuleStack(self.modules), clock=self.clock)
        self.imd = self.hal.isolation
        self.path = DcPowerPath(1, self.hal, limit_a)
        self.ev = EvEcu(self.bus.battery)

    def tick(self, n: int = 1) -> None:
        for _ in range(n):
            self.clock.now += TICK_S
            self.bus.step(self.clock.now)
            self.ev.step(self.clock.now, self.path, self.bus)
            self.path.tick(self.clock.now, self.ev.request)

    def until(self, predicate, seconds: float) -> bool:
        for _ in range(int(seconds / TICK_S)):
            self.tick()
            if predicate():
                return True
        return False

    def output_off(self) -> bool:
        return not any(m.is_on for m in self.modules) and not self.bus.contactor_cmd


class EvEcu:
    """The EV's side of the DC sequence: asks, waits for the answer it needs, goes on."""

    def __init__(self, battery: Battery, stop_at_soc: float = 80.0):
        self.battery, self.stop_at_soc = battery, stop_at_soc
        self.request = EvRequest(max_voltage_v=battery.max_voltage_v, max_current_a=battery.max_current_a)
        self.talking = True

    def step(self, now: float, path: DcPowerPath, bus: DcBus) -> None:
        r = self.request
        if self.talking:
            r.heard_at = now
        r.soc_pct = self.battery.soc_pct
        status = path.status()
        if r.stage == ev_link.NONE:
            r.stage = ev_link.CABLE_CHECK
        elif r.stage == ev_link.CABLE_CHECK and path.state == CABLE_OK:
            r.stage, r.target_voltage_v, r.target_current_a = ev_link.PRECHARGE, self.battery.voltage(), 2.0
        elif r.stage == ev_link.PRECHARGE and abs(status["present_voltage_v"] - r.target_voltage_v) <= 20.0:
            r.stage, r.ev_contactors_closed = ev_link.POWER_ON, True
            bus.ev_contactors_closed = True
        elif r.stage == ev_link.POWER_ON and path.state == CHARGING:
            r.stage = ev_link.CURRENT_DEMAND
        elif r.stage == ev_link.CURRENT_DEMAND:
            r.target_voltage_v, r.target_current_a = self.battery.max_voltage_v, self.battery.wants_a()
            if self.battery.soc_pct >= self.stop_at_soc:
                r.stage, r.target_current_a = ev_link.POWER_OFF, 0.0
        elif r.stage == ev_link.POWER_OFF and status["present_current_a"] < 1.0:
            r.stage, r.ev_contactors_closed = ev_link.WELDING, False
            bus.ev_contactors_closed = False
        elif r.stage == ev_link.WELDING and path.state in ("done", "fault"):
            r.stage = ev_link.ENDED
