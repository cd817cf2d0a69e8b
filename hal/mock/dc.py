"""The DC side of the bench: power modules, DC contactors, an insulation monitor and a DC meter on
one simulated DC bus, with an EV battery behind the EV's own contactors.

`DcBus.step(now)` moves the physics on (called by the bench's loop, or by a test with its own clock):
the modules' output follows its set point at a finite slew rate and decays through the bleeder
when off; with the DC contactors closed (or welded) and the EV's contactors closed, the battery
clamps the bus and the modules deliver what their current limit allows. Faults are injected by
name, as a bench engineer would provoke them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hal.interfaces import DcConnectorHal
from hal.types import IsolationReading, MeterReading, ModuleReading

SLEW_V_PER_S = 400.0  # a module's output voltage ramp (vendor sheets: 0 to 750 V in about 2 s)
BLEED_PER_S = 4.0  # off: the output capacitance discharges e-fold 4 times a second (< 60 V within 1 s)
R_SOURCE_OHM = 0.05  # the cable and module output impedance, for current under voltage regulation
MEASURE_S = 1.0  # one insulation measurement
SELF_TEST_S = 2.0


@dataclass
class Battery:
    """An EV's traction battery: voltage rising with state of charge, a charging curve it asks for."""

    capacity_kwh: float = 60.0
    soc_pct: float = 20.0
    v_empty: float = 330.0
    v_full: float = 410.0
    max_current_a: float = 200.0
    max_voltage_v: float = 420.0

    def voltage(self) -> float:
        return self.v_empty + (self.v_full - self.v_empty) * self.soc_pct / 100.0

    def wants_a(self) -> float:
        """Full current below 50 %, tapering to a tenth at 80 %, nothing above the target."""
        if self.soc_pct >= 80.0:
            return 0.0
        if self.soc_pct <= 50.0:
            return self.max_current_a
        return self.max_current_a * (1.0 - 0.9 * (self.soc_pct - 50.0) / 30.0)

    def charge(self, current_a: float, dt: float) -> None:
        wh = self.voltage() * current_a * dt / 3600.0
        self.soc_pct = min(100.0, self.soc_pct + 100.0 * wh / (self.capacity_kwh * 1000.0))


@dataclass
class DcBus:
    """One DC connector's physical state on the bench."""

    battery: Battery = field(default_factory=Battery)
    ev_contactors_closed: bool = False
    contactor_cmd: bool = False
    contactor_welded: bool = False
    insulation_ohm: float = 5e6
    imd_self_test_ok: bool = True
    module_faults: dict[int, set[str]] = field(default_factory=dict)
    voltage_v: float = 0.0  # at the modules' output, before the DC contactors
    current_a: float = 0.0
    energy_wh: float = 0.0
    _last: float | None = None
    modules: list["SimPowerModule"] = field(default_factory=list)

    def contacts_closed(self) -> bool:
        return self.contactor_cmd or self.contactor_welded

    def battery_on_bus(self) -> bool:
        return self.contacts_closed() and self.ev_contactors_closed

    def step(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        dt = 0.0 if self._last is None else max(0.0, now - self._last)
        self._last = now
        on = [m for m in self.modules if m.is_on and not self.module_faults.get(m.index)]
        set_v = max((m.set_v for m in on), default=0.0)
        limit_a = sum(min(m.set_a, m.max_w / max(self.voltage_v, 1.0)) for m in on)  # power at the real voltage
        if self.battery_on_bus():
            self._step_with_battery(on, set_v, limit_a, dt)
        else:
            self.current_a = 0.0
            self.voltage_v = _towards(self.voltage_v, set_v, dt) if on else self.voltage_v * _decay(dt)
        self.energy_wh += self.voltage_v * self.current_a * dt / 3600.0

    def _step_with_battery(self, on, set_v: float, limit_a: float, dt: float) -> None:
        vb = self.battery.voltage()
        if on and set_v > vb:
            self.current_a = min(limit_a, (set_v - vb) / R_SOURCE_OHM)
            self.battery.charge(self.current_a, dt)
        else:
            self.current_a = 0.0
        self.voltage_v = vb + self.current_a * R_SOURCE_OHM

    def cable_voltage(self) -> float:
        """What the cable side (the DC meter, the EV) sees."""
        if self.contacts_closed():
            return self.voltage_v
        return self.battery.voltage() if self.ev_contactors_closed else 0.0


def _towards(v: float, target: float, dt: float) -> float:
    step = SLEW_V_PER_S * dt
    return min(target, v + step) if target >= v else max(target, v - step)


def _decay(dt: float) -> float:
    return 2.718281828 ** (-BLEED_PER_S * dt)


class SimPowerModule:
    def __init__(self, bus: DcBus, index: int, max_v: float = 1000.0, max_a: float = 100.0,
                 max_w: float = 30000.0, clock=time.monotonic):
        self.bus, self.index, self.clock = bus, index, clock
        self.max_v, self.max_a, self.max_w = max_v, max_a, max_w
        self.set_v = self.set_a = 0.0
        self.is_on = False
        self.last_off_call = 0.0
        bus.modules.append(self)

    def set_output(self, voltage_v: float, current_a: float) -> None:
        self.set_v = max(0.0, min(voltage_v, self.max_v))
        self.set_a = max(0.0, min(current_a, self.max_a))

    def on(self) -> None:
        self.is_on = True

    def off(self) -> None:
        self.last_off_call = time.perf_counter()
        self.is_on = False

    def read(self) -> ModuleReading:
        n = max(1, len(self.bus.modules))
        faults = frozenset(self.bus.module_faults.get(self.index, ()))
        return ModuleReading(voltage_v=self.bus.voltage_v, current_a=self.bus.current_a / n, temperature_c=35.0,
                             on=self.is_on and not faults, faults=faults, taken_at=self.clock())

    def limits(self) -> tuple[float, float, float]:
        return self.max_v, self.max_a, self.max_w


class SimDcContactor:
    def __init__(self, bus: DcBus):
        self.bus = bus
        self.last_open_call = 0.0

    def close(self) -> None:
        self.bus.contactor_cmd = True

    def open(self) -> None:
        self.last_open_call = time.perf_counter()
        self.bus.contactor_cmd = False

    def feedback_closed(self) -> bool:
        return self.bus.contacts_closed()


class SimIsolationMonitor:
    """One result per MEASURE_S while started, from a measuring signal of its own (as IEC 61557-8
    devices inject), so it measures during charging as well as at the cable check's test voltage."""

    def __init__(self, bus: DcBus, clock=time.monotonic, alarm_below_ohm: float = 100e3):
        self.bus, self.clock, self.alarm_below_ohm = bus, clock, alarm_below_ohm
        self.test_voltage_v: float | None = None
        self._since: float | None = None
        self._self_test_at: float | None = None
        self._result: float | None = None

    def start(self, test_voltage_v: float) -> None:
        self.test_voltage_v, self._since, self._result = test_voltage_v, self.clock(), None

    def stop(self) -> None:
        self.test_voltage_v = self._since = None

    def self_test(self) -> None:
        self._self_test_at = self.clock()

    def read(self) -> IsolationReading:
        now = self.clock()
        if self._since is not None and now - self._since >= MEASURE_S:
            self._result = self.bus.insulation_ohm  # its own measuring signal: at any bus voltage
            self._since = now
        st = None
        if self._self_test_at is not None and now - self._self_test_at >= SELF_TEST_S:
            st = self.bus.imd_self_test_ok
        return IsolationReading(resistance_ohm=self._result, self_test=st, taken_at=now)


class SimIsolationAlarm:
    """The monitor's alarm relay, on a digital input: active while measuring a resistance below its setting."""

    def __init__(self, monitor: SimIsolationMonitor):
        self.monitor = monitor

    def active(self) -> bool:
        """Like the device's relay: only once a measurement found the resistance below its setting."""
        if self.monitor.test_voltage_v is None:
            return False
        ohm = self.monitor.read().resistance_ohm
        return ohm is not None and ohm < self.monitor.alarm_below_ohm


class SimDcMeter:
    def __init__(self, bus: DcBus, clock=time.monotonic):
        self.bus, self.clock = bus, clock

    def read(self) -> MeterReading:
        v, i = self.bus.cable_voltage(), self.bus.current_a
        return MeterReading(energy_wh=self.bus.energy_wh, power_w=v * i, currents_a=(i,), voltages_v=(v,),
                            taken_at=self.clock(), dc=True)


def bench_dc_connector(bus: DcBus, stack, clock=time.monotonic, pilot=None, ev_link_command=None):
    """A DC connector on the bench's DC bus around a given module stack (simulated, or real drivers
    talking to simulated modules): the bench's DC contactors, insulation monitor with its alarm, DC meter."""
    imd = SimIsolationMonitor(bus, clock=clock)
    return DcConnectorHal(pilot=pilot, stack=stack, contactor=SimDcContactor(bus), isolation=imd,
                          isolation_alarm=SimIsolationAlarm(imd), meter=SimDcMeter(bus, clock=clock),
                          ev_link_command=ev_link_command)
