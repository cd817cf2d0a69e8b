"""The bench's shared electrics: what the EVSE drives and what the EV does.

One `ConnectorWire` per socket holds the physical truth (PWM duty, contactor
contacts, the EV's resistors, cable, fault switches). The mock devices read and
write it; the bench API flips its switches. Energy is integrated here, exactly,
at every change of draw, so the simulated meter never depends on how often
anyone polls it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from hal.mock.ev import SimulatedEV

# IEC 61851-1 Table B.2: nominal PP-PE resistor of a cable assembly per rating.
log = logging.getLogger(__name__)

PP_OHMS_BY_RATING = {13: 1500.0, 20: 680.0, 32: 220.0, 63: 100.0}

# Fault switches of one socket. adc_hang: the pilot ADC driver blocks, as a hung
# SPI bus would (the safety loop stalls with it: the watchdog's case); adc: it
# fails with an error instead. overcurrent: the EV takes 8 A more than offered.
CONNECTOR_FAULTS = ("weld", "stuck_open", "rcd", "diode", "pilot_short", "pp_invalid", "meter_offline",
                    "over_voltage", "under_voltage", "overcurrent", "lock", "adc", "adc_hang")
# Switches only a DC connector has (hal.mock.dc_bench; "weld" there welds the DC contactors): the
# insulation below the limit, a power module's fault bit, the EV reporting an error code, the car's
# modem never pairing (SLAC: from the next plug-in the car stays silent).
DC_FAULTS = ("isolation", "power_module", "ev_error", "slac")
# Switches of the whole charger.
STATION_FAULTS = ("estop", "overtemp", "temp_sensor", "power_fail", "tamper", "reader")
FAULT_KINDS = CONNECTOR_FAULTS + DC_FAULTS + STATION_FAULTS
OVERDRAW_A = 8.0
OVERTEMP_C = 95.0


@dataclass
class ConnectorWire:
    connector_id: int
    phases: int
    voltage_v: float
    ev: SimulatedEV
    cable_rating_a: int | None
    wake: Callable[[], None]
    duty_pct: float = 100.0
    contactor_cmd: bool = False
    locked: bool = False
    faults: set[str] = field(default_factory=set)
    energy_wh: float = 0.0
    plugins: int = 0  # plug-ins so far
    _integrated_at: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def contacts_closed(self) -> bool:
        return (self.contactor_cmd and "stuck_open" not in self.faults) or "weld" in self.faults

    def draw_a(self) -> float:
        """Current per phase the EV draws right now."""
        if not self.contacts_closed:
            return 0.0
        draw = self.ev.draw_a(self.duty_pct)
        if "overcurrent" in self.faults and self.ev.state in ("C", "D"):
            draw = max(draw, 6.0) + OVERDRAW_A
        return draw

    def supply_v(self) -> float:
        if "over_voltage" in self.faults:
            return self.voltage_v * 1.15
        if "under_voltage" in self.faults:
            return self.voltage_v * 0.8
        return self.voltage_v

    def power_w(self) -> float:
        return self.draw_a() * self.voltage_v * self.phases

    def update(self, **changes) -> None:
        """Apply a change atomically: energy is integrated up to now at the old draw."""
        with self._lock:
            self._integrate()
            for name, value in changes.items():
                setattr(self, name, value)
        self.wake()

    def set_ev(self, **changes) -> None:
        with self._lock:
            self._integrate()
            if self.ev.state == "A" and changes.get("state", "A") != "A":
                self.plugins += 1  # counted here: a bench that samples the plug may miss a quick replug
            for name, value in changes.items():
                setattr(self.ev, name, value)
        self.wake()

    def physical_state(self) -> dict:
        with self._lock:
            self._integrate()
            return {"ev_state": self.ev.state, "ev_max_current_a": self.ev.max_current_a,
                    "ev_diode_ok": self.ev.diode_ok, "cable_rating_a": self.cable_rating_a,
                    "faults": sorted(self.faults), "energy_wh": self.energy_wh}

    def restore(self, state: dict) -> None:
        self.ev.state = state["ev_state"]
        self.ev.max_current_a = state["ev_max_current_a"]
        self.ev.diode_ok = state["ev_diode_ok"]
        self.cable_rating_a = state["cable_rating_a"]
        self.faults = set(state["faults"])
        self.energy_wh = state["energy_wh"]

    def set_fault(self, kind: str, active: bool) -> None:
        faults = set(self.faults)
        (faults.add if active else faults.discard)(kind)
        self.update(faults=faults)

    def keep_energy(self, energy_wh: float) -> None:
        """A DC meter's register (hal.mock.dc_bench), kept here so that it outlives a crash with the
        bench's other physical state (`BenchWire.persist`); an AC socket integrates its own."""
        with self._lock:
            self._integrate()
            self.energy_wh = energy_wh

    def read_energy(self) -> tuple[float, float]:
        """(energy Wh, power W) as of now."""
        with self._lock:
            self._integrate()
            return self.energy_wh, self.power_w()

    def _integrate(self) -> None:
        now = time.monotonic()
        self.energy_wh += self.power_w() * (now - self._integrated_at) / 3600.0
        self._integrated_at = now


@dataclass
class BenchWire:
    """The whole bench: sockets plus the charger-wide switches."""

    connectors: dict[int, ConnectorWire]
    wake: Callable[[], None]
    faults: set[str] = field(default_factory=set)  # STATION_FAULTS that are on
    temperature_c: float = 25.0  # what the charger's sensor reads (POST /temperature)
    cards: list = field(default_factory=list)
    display_text: str = ""  # what the charger's display shows now (GET /status "display")
    dc: dict = field(default_factory=dict)  # connector id -> hal.mock.dc_bench.DcBench, for DC connectors
    hlc: dict = field(default_factory=dict)  # connector id -> hal.mock.ac_hlc_bench.AcHlcBench (ISO 15118-2 AC)

    state_file: Path | None = None
    _persisted: dict | None = None

    def set_fault(self, connector_id: int, kind: str, active: bool) -> None:
        if kind in STATION_FAULTS:
            (self.faults.add if active else self.faults.discard)(kind)
            self.wake()
        else:
            self.connectors[connector_id].set_fault(kind, active)

    def set_temperature(self, celsius: float) -> None:
        self.temperature_c = celsius
        self.wake()

    def persist(self) -> None:
        """The bench is hardware: the EV, the cable, the switches and the meter
        register outlive a controller crash. Written atomically (rename), from
        the bench API's side only: never from the control thread."""
        if self.state_file is None:
            return
        state = {"station_faults": sorted(self.faults), "temperature_c": self.temperature_c,
                 "connectors": {str(cid): w.physical_state() for cid, w in self.connectors.items()}}
        if state == self._persisted:
            return  # an idle bench writes nothing
        self._persisted = state
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.state_file)

    def restore(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        try:
            state = json.loads(self.state_file.read_text())
            for cid, wire in self.connectors.items():
                if str(cid) in state["connectors"]:
                    wire.restore(state["connectors"][str(cid)])
            self.faults = set(state["station_faults"]) & set(STATION_FAULTS)
            self.temperature_c = float(state["temperature_c"])
        except (ValueError, KeyError, TypeError) as exc:  # a bench file from another version: start fresh
            log.warning("bench state %s ignored: %s", self.state_file, exc)
