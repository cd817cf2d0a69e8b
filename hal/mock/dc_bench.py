"""One DC connector of the bench, as `evse run` uses it: the DC bus physics moved on by a thread of
its own (the hardware does not wait for the controller), the plug and the fault switches of the
bench API applied to it, and the bench EV's battery shared with the EV's charging controller.

The EV's brain runs in the EV link's process (hlc/ev_child.py, iso15118's EVCC); this side holds
its battery and the physical things: whether it is plugged, whether its contactors are closed (the
EV says so in a file of its own), what error it reports when the bench asks it to.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

from hal.dc.ev_link_child import hlc_command, slac_command
from hal.dc.stack import ModuleStack
from hal.interfaces import DcConnectorHal
from hal.mock.board import MockPilot
from hal.mock.dc import Battery, DcBus, SimPowerModule, bench_dc_connector
from hal.mock.wire import ConnectorWire
from hlc.protocol import slac_socket

log = logging.getLogger(__name__)

STEP_S = 0.02
WRITE_S = 0.2
BAD_INSULATION_OHM = 50e3  # the bench's "isolation" switch: below the 100 kOhm fault limit (IEC 61851-23 6.3.1.105)
GOOD_INSULATION_OHM = 5e6
EV_ERROR = "FAILED_EVRESSMalfunction"  # the bench's "ev_error" switch: a DCEVErrorCode the EV reports


class DcBench:
    def __init__(self, cfg, mock, wire: ConnectorWire, state_dir: Path | None, wake, meter=None):
        """`meter`: a real meter driver for this output (a [[meters]] entry, e.g. a signing LEM DCBM
        served by `evse meter-sim`) instead of the bench's own simulated DC meter."""
        dc = cfg.dc
        self.cid, self.wire, self.wake = cfg.id, wire, wake
        self.stop_at_pct = mock.ev_stop_at_pct
        self.arrives_at_pct = mock.ev_soc_pct
        self.protocol = mock.ev_protocol
        self.pnc = mock.ev_pnc
        self.pnc_install = mock.ev_pnc and mock.ev_pnc_install
        self.pnc_update = mock.ev_pnc and mock.ev_pnc_update
        self.slac = mock.ev_slac
        self.iso15118_20 = ["--iso15118-20"] if dc.iso15118_20 else []  # the SECC offers it
        self.control_mode = mock.ev_control_mode  # the one the EV picks under -20
        self.battery = Battery(capacity_kwh=mock.ev_battery_kwh, soc_pct=mock.ev_soc_pct,
                               max_current_a=mock.ev_max_dc_current_a)
        self.bus = DcBus(battery=self.battery, energy_wh=wire.energy_wh)  # the DC meter's register, restored
        modules = [SimPowerModule(self.bus, i + 1, max_v=dc.module_max_v, max_a=dc.module_max_a,
                                  max_w=dc.module_max_w) for i in range(dc.modules)]
        folder = Path(state_dir) if state_dir is not None else Path(os.environ.get("TMPDIR", "/tmp"))
        self.battery_file = folder / f"bench-ev-{self.cid}.json"
        self.ev_file = folder / f"bench-ev-{self.cid}.ev.json"  # written by the EV: its contactors, its pilot
        hal = bench_dc_connector(self.bus, ModuleStack(modules), pilot=MockPilot(wire),
                                 ev_link_command=self.ev_link_command)
        self.hal: DcConnectorHal = hal if meter is None else dataclasses.replace(hal, meter=meter)
        self._was_plugged = (False, 0)  # (plugged, the wire's plug-ins) last seen
        self._written = 0.0
        self._running = True
        self._thread = threading.Thread(target=self._run, name=f"bench DC bus {self.cid}", daemon=True)

    def ev_link_command(self, socket_path: str) -> list[str]:
        pnc = [*(["--pnc"] if self.pnc else []), *(["--install-contract"] if self.pnc_install else []),
               *(["--update-contract"] if self.pnc_update else [])]
        return bench_link_command(socket_path, self.battery_file, self.slac, "--protocol", self.protocol, *pnc,
                                  *self.iso15118_20, "--control-mode", self.control_mode)

    def start(self) -> None:
        self.write()
        self._thread.start()

    def close(self) -> None:
        self._running = False
        for m in self.bus.modules:
            m.off()
        self.bus.contactor_cmd = False

    def _run(self) -> None:
        while self._running:
            try:
                self.step(time.monotonic())
            except Exception:  # the bench's physics must outlive a bad moment, as hardware does
                log.exception("bench DC bus %s: step failed", self.cid)
            time.sleep(STEP_S)

    def step(self, now: float) -> None:
        faults = self.wire.faults
        self.bus.insulation_ohm = BAD_INSULATION_OHM if "isolation" in faults else GOOD_INSULATION_OHM
        self.bus.module_faults = {1: {"module fault (bench)"}} if "power_module" in faults else {}
        self.bus.contactor_welded = "weld" in faults
        plugged = self.wire.ev.state != "A"
        if (plugged, self.wire.plugins) != self._was_plugged:
            self._was_plugged = plugged, self.wire.plugins
            if plugged:  # a car arrives with the state of charge the bench gives it
                self.battery.soc_pct = self.arrives_at_pct
            self._write_now()
        said = (cars_word(self.ev_file, self.wire.plugins) or {}) if plugged else {}
        self.bus.ev_contactors_closed = bool(said.get("contactors_closed"))
        digital = {"state": "C" if said.get("state") == "C" else "B", "draw_a": 0.0} if plugged else None
        if digital != self.wire.ev.digital:  # at 5 % the car's controller sets its pilot (S2)
            self.wire.set_ev(digital=digital)
        self.bus.step(now)
        self.wire.keep_energy(self.bus.energy_wh)
        if now - self._written >= WRITE_S:
            self._written = now
            self.write()

    def _write_now(self) -> None:
        self._written = 0.0
        self.wake()

    def write(self) -> None:
        state = battery_state(self.battery, self.stop_at_pct, EV_ERROR if "ev_error" in self.wire.faults else None,
                              plugged=self.wire.ev.state != "A", plugins=self.wire.plugins,
                              slac_silent="slac" in self.wire.faults, renegotiate=self.wire.ev.renegotiations)
        part = self.battery_file.with_suffix(".part")
        try:
            part.write_text(json.dumps(state))
            part.replace(self.battery_file)
        except OSError as exc:
            print(f"bench DC bus {self.cid}: cannot write {self.battery_file}: {exc}", file=sys.stderr)

    def status(self) -> dict:
        """The bench API's view of the DC side (GET /status "dc", a bench extension)."""
        b, bus = self.battery, self.bus
        return {"ev_soc_pct": round(b.soc_pct, 2), "ev_battery_v": round(b.voltage(), 1),
                "ev_contactors_closed": bus.ev_contactors_closed, "module_voltage_v": round(bus.voltage_v, 1),
                "module_current_a": round(bus.current_a, 1), "insulation_ohm": bus.insulation_ohm,
                "modules_on": sum(1 for m in bus.modules if m.is_on)}


def cars_word(ev_file: Path, plugin: int) -> dict | None:
    """What the bench car of plug-in `plugin` last wrote for the bench (its pilot state, its contactors or
    its draw): {} when the file is another plug-in's (a car killed mid-session leaves its own behind) or
    not a JSON object, None when it cannot be read (not yet written)."""
    try:
        said = json.loads(ev_file.read_text())
    except (OSError, ValueError):
        return None
    return said if isinstance(said, dict) and said.get("plugin") == plugin else {}


def bench_link_command(socket_path: str, ev_file: Path, slac: bool, *extra: str) -> list[str]:
    """The SECC and the bench EV on a veth pair in a network namespace of their own (hlc/bench_link.py),
    with SLAC first when `slac`; `ev_file`: what the bench tells the EV (its battery, its plug)."""
    env, path, python, *_ = hlc_command()
    slac_args = ["--slac-python", slac_command()[2], "--slac-socket", slac_socket(socket_path)] if slac else []
    return [env, path, "unshare", "--map-root-user", "--net", python, "-m", "hlc.bench_link", "--socket", socket_path,
            "--battery", str(ev_file), *extra, *slac_args]


def battery_state(b: Battery, stop_at_pct: float, error: str | None, **plug) -> dict:
    """What the bench EV's charging controller reads of its battery (hlc/ev_child.py)."""
    return {**plug, "soc_pct": b.soc_pct, "voltage_v": b.voltage(), "max_voltage_v": b.max_voltage_v,
            "max_current_a": b.max_current_a, "wants_a": b.wants_a(), "capacity_wh": b.capacity_kwh * 1000,
            "stop_at_pct": stop_at_pct, "error": error}
