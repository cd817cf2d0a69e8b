"""A DC connector on the bench's DC bus for in-process tests: two simulated modules in a stack, the
DC contactors, an insulation monitor with its alarm, a DC meter, an injected clock; and an EV that
walks the DIN SPEC 70121 / ISO 15118-2 DC sequence at the neutral level (EvRequest), as the HLC
bridge will hand it to the power path."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from firmware.dc import ev_link
from firmware.dc.ev_link import EvRequest
from firmware.dc.power_path import CABLE_OK, CHARGING, DcPowerPath
from hal.dc.stack import ModuleStack
from hal.mock.dc import Battery, DcBus, SimPowerModule, bench_dc_connector

TICK_S = 0.02
ROOT = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ticked_until(tick, predicate, seconds: float) -> bool:
    """Tick (injected clock: TICK_S a tick) until `predicate` holds, at most `seconds`."""
    for _ in range(int(seconds / TICK_S)):
        tick()
        if predicate():
            return True
    return False


class DcRig:
    def __init__(self, battery: Battery | None = None, limit_a=lambda now: float("inf")):
        self.clock = Clock()
        self.bus = DcBus(battery=battery or Battery())
        self.modules = [SimPowerModule(self.bus, i, max_a=100.0, max_w=30000.0, clock=self.clock) for i in (1, 2)]
        self.hal = bench_dc_connector(self.bus, ModuleStack(self.modules), clock=self.clock)
        self.imd = self.hal.isolation
        self.ev = EvEcu(self.bus.battery)
        self.path = DcPowerPath(1, self.hal, limit_a, ev_ready=self.ev.s2_closed)

    def tick(self, n: int = 1) -> None:
        for _ in range(n):
            self.clock.now += TICK_S
            self.bus.step(self.clock.now)
            self.ev.step(self.clock.now, self.path, self.bus)
            self.path.tick(self.clock.now, self.ev.request)

    def until(self, predicate, seconds: float) -> bool:
        return ticked_until(self.tick, predicate, seconds)

    def output_off(self) -> bool:
        return not any(m.is_on for m in self.modules) and not self.bus.contactor_cmd


S2_CLOSED = (ev_link.CABLE_CHECK, ev_link.PRECHARGE, ev_link.POWER_ON, ev_link.CURRENT_DEMAND, ev_link.RENEGOTIATE,
             ev_link.POWER_OFF)


class EvEcu:
    """The EV's side of the DC sequence: asks, waits for the answer it needs, goes on."""

    def __init__(self, battery: Battery, stop_at_soc: float = 80.0):
        self.battery, self.stop_at_soc = battery, stop_at_soc
        self.request = EvRequest(max_voltage_v=battery.max_voltage_v, max_current_a=battery.max_current_a)
        self.talking = True
        self.s2_stuck_open = False  # a car that never switches to state C
        self.quick_secc = False  # its PowerDeliveryReq and first CurrentDemandReq reach the path in one tick

    def s2_closed(self) -> bool:
        """State C from its cable check to its power delivery stop's answer, as a DC car's pilot shows."""
        return not self.s2_stuck_open and self.request.stage in S2_CLOSED

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
            if self.quick_secc:
                r.stage, r.target_voltage_v = ev_link.CURRENT_DEMAND, self.battery.max_voltage_v
                r.target_current_a = self.battery.wants_a()
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


class BenchEvLink:
    """The EV link's port as the controller sees it, with the EV ECU behind it: the EV starts its
    sequence only once told it may charge, and stops when told to (EVSENotification StopCharging)."""

    def __init__(self, ecu: EvEcu):
        self.ecu, self.protocol = ecu, "ISO_15118_2"
        self.request = EvRequest()
        self.told: dict = {}
        self.plugged, self.sessions = False, 0

    slac_state = None

    def tell(self, status: dict) -> None:
        self.told = status

    def pilot(self, state: str, digital: bool) -> None:
        self.pilot_seen = (state, digital)

    def step(self, now: float, path: DcPowerPath, bus: DcBus, plugged: bool) -> None:
        r = self.ecu.request
        if not plugged:
            self.request, self.plugged = EvRequest(session=self.sessions), False
            return
        if not self.plugged:  # a plug-in: the link reports a new EV session
            self.plugged, self.sessions = True, self.sessions + 1
        if self.told.get("stop") and r.stage == ev_link.CURRENT_DEMAND:
            r.stage, r.target_current_a = ev_link.POWER_OFF, 0.0
        if r.stage != ev_link.NONE or (self.told.get("authorized") and self._schedule_offered(r)):
            self.ecu.step(now, path, bus)
        else:
            r.heard_at = now
        self.request = dataclasses.replace(r, session=self.sessions)

    def _schedule_offered(self, r: EvRequest) -> bool:
        """ChargeParameterDiscovery: the EV asks (a round) and goes on once the charger offered a schedule."""
        r.schedule_round, r.soc_pct = max(r.schedule_round, 1), self.ecu.battery.soc_pct  # its DC_EVStatus
        offer = self.told.get("schedule")
        return offer is not None and offer["round"] == r.schedule_round


class DcStationRig:
    """A Station with one DC connector (board-configs/bench-dc.toml) on the bench's DC bus, ticked by
    hand with an injected clock: the charger model, the power path and the EV, no threads."""

    def __init__(self, battery: Battery | None = None):
        from types import SimpleNamespace

        from firmware.clock import SteppedClock
        from firmware.config import load_board
        from firmware.station import Station
        from hal.interfaces import Hal
        from hal.mock.board import MockPilot, MockReader, MockStationInput, MockTemperature
        from hal.mock.ev import SimulatedEV
        from hal.mock.wire import BenchWire, ConnectorWire

        self.board = load_board(ROOT / "board-configs" / "bench-dc.toml")
        self.wall = SteppedClock()
        self.clock = lambda: self.wall.monotonic()
        self.wire = ConnectorWire(1, 3, 230.0, SimulatedEV(hlc=True), None, wake=lambda: None)
        self.bench = BenchWire(connectors={1: self.wire}, wake=lambda: None)
        self.bus = DcBus(battery=battery or Battery(capacity_kwh=0.5))
        self.modules = [SimPowerModule(self.bus, i, max_a=100.0, max_w=30000.0, clock=self.clock) for i in (1, 2)]
        self.hal = bench_dc_connector(self.bus, ModuleStack(self.modules), clock=self.clock,
                                      pilot=MockPilot(self.wire))
        self.link = BenchEvLink(EvEcu(self.bus.battery))
        hal = Hal(connectors={1: self.hal}, estop=MockStationInput(self.bench, "estop"),
                  temperature=MockTemperature(self.bench), reader=MockReader(self.bench),
                  power_fail=MockStationInput(self.bench, "power_fail"))
        self.events: list = []
        self.station = Station(self.board, hal, SimpleNamespace(publish_threadsafe=self.events.append), self.wall,
                               ev_links={1: self.link})
        self.conn = self.station.connectors[1]
        self._answered = 0
        self.offer_at_once = True

    def tick(self, n: int = 1) -> None:
        for _ in range(n):
            self.wall.advance(TICK_S)
            now = self.clock()
            self.bus.step(now)
            self.link.step(now, self.conn.path, self.bus, self.wire.ev.state != "A")
            self._pilot()
            self.station.loop.tick_once(now)
            self._answer_schedule_rounds()

    def _pilot(self) -> None:
        """The car's S2 on the wire: at 5 % the pilot shows what its controller switched."""
        plugged = self.wire.ev.state != "A"
        digital = {"state": "C" if self.link.ecu.s2_closed() else "B", "draw_a": 0.0} if plugged else None
        if digital != self.wire.ev.digital:
            self.wire.set_ev(digital=digital)

    def _answer_schedule_rounds(self) -> None:
        """The OCPP layer's part (1.6's: no CSMS has a say): each new round offered the ceiling at once."""
        from firmware.events import EvChargingNeeds

        for event in self.events[self._answered:]:
            if isinstance(event, EvChargingNeeds) and self.offer_at_once:
                self.conn.offer_schedule(event.round, [(0, self.conn.max_power_w())])
        self._answered = len(self.events)

    def until(self, predicate, seconds: float) -> bool:
        return ticked_until(self.tick, predicate, seconds)

    def plug(self, state: str = "B") -> None:
        self.wire.set_ev(state=state)
        self.tick()

    def start(self, tag: str = "TAG") -> None:
        """Plugged, authorized, the meter start known: the EV is told it may charge."""
        self.plug()
        assert self.conn.grant(tag, self.clock())
        self.tick()
        self.conn.set_meter_start(self.conn.session.local_id, self.bus.energy_wh)
        self.tick()

    def statuses(self) -> list[str]:
        from firmware.events import StatusChanged

        return [e.state for e in self.events if isinstance(e, StatusChanged)]

    def output_off(self) -> bool:
        return not any(m.is_on for m in self.modules) and not self.bus.contactor_cmd
