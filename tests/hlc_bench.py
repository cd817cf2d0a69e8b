"""A DC connector whose EV talks ISO 15118-2, -20 or DIN SPEC 70121 for real: the controller's HLC bridge
and DC power path in this process over the bench's DC bus, the SECC and the bench EV as iso15118
processes in .venv-hlc, on a veth pair in a network namespace of their own (`unshare`, in a user
namespace: no root needed where the kernel allows user namespaces)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from controller import ROOT
from firmware.dc.hlc_bridge import HlcBridge
from firmware.dc.power_path import DcPowerPath
from hal.dc.stack import ModuleStack
from hal.mock.dc import Battery, DcBus, SimPowerModule, bench_dc_connector
from hal.mock.dc_bench import battery_state

HLC_PYTHON = ROOT / ".venv-hlc" / "bin" / "python"
SLAC_PYTHON = ROOT / ".venv-slac" / "bin" / "python"
TICK_S = 0.02


def ensure_hlc_environment() -> None:
    """The test command builds .venv-hlc and .venv-slac; a developer running pytest alone gets them here
    (about a minute)."""
    for python, probe, requirements in ((HLC_PYTHON, "import iso15118, aiofile", "requirements.txt"),
                                        (SLAC_PYTHON, "import pyslac.session", "slac-requirements.txt")):
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(python.parents[1])], check=True)
        if subprocess.run([str(python), "-c", probe], capture_output=True).returncode:
            subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(ROOT / "hlc" / requirements)],
                           check=True)


class HlcBench:
    def __init__(self, tmp: Path, protocol: str, battery: Battery, stop_at_pct: float = 80.0,
                 control_mode: str = "scheduled", demand_pause_s: float | None = None):
        """`control_mode`: the one the car picks under ISO 15118-20; `demand_pause_s`: its pause between
        CurrentDemandReqs (None: hlc/ev_child.py's)."""
        ensure_hlc_environment()
        self.tmp, self.protocol, self.stop_at_pct = tmp, protocol, stop_at_pct
        self.dc = DcBus(battery=battery)
        modules = [SimPowerModule(self.dc, i, max_a=100.0) for i in (1, 2)]
        self.hal = bench_dc_connector(self.dc, ModuleStack(modules))
        self.battery_file = tmp / "battery.json"
        self.path = DcPowerPath(1, self.hal, limit_a=lambda now: float("inf"), ev_ready=self.car_in_c)
        socket = str(tmp / "hlc.sock")
        self.log = open(tmp / "hlc.log", "ab")  # the two iso15118 processes log every message
        argv = ["unshare", "--map-root-user", "--net", str(HLC_PYTHON), "-m", "hlc.bench_link", "--socket", socket,
                "--battery", str(self.battery_file), "--protocol", protocol, "--control-mode", control_mode,
                *(["--demand-pause", str(demand_pause_s)] if demand_pause_s is not None else []),
                *(["--iso15118-20"] if protocol == "ISO_15118_20_DC" else [])]  # the SECC offers it
        self.bridge = HlcBridge(1, socket, argv, child_output=self.log)
        self.states: list[str] = []
        self.authorized = True
        self.ev_error: str | None = None  # a DCEVErrorCode value the bench EV reports

    def car_in_c(self) -> bool:
        """The car's pilot switch, as it writes it for the bench (hlc/ev_child.py: C from its cable check)."""
        try:
            return json.loads(self.battery_file.with_suffix(".ev.json").read_text()).get("state") == "C"
        except (OSError, ValueError, AttributeError):
            return False

    def write_battery(self) -> None:
        state = battery_state(self.dc.battery, self.stop_at_pct, self.ev_error)
        part = self.battery_file.with_suffix(".part")
        part.write_text(json.dumps(state))
        part.replace(self.battery_file)

    async def run(self, until, seconds: float) -> bool:
        end = time.monotonic() + seconds
        written = 0.0
        while time.monotonic() < end:
            now = time.monotonic()
            self.dc.step(now)
            self.dc.ev_contactors_closed = self.bridge.request.stage in ("power_on", "current_demand")
            if now - written > 0.2:
                self.write_battery()
                written = now
            self.path.tick(now, self.bridge.request)
            max_v, max_a, max_w = self.hal.stack.limits()
            s = self.path.status()
            self.bridge.publish(state=s["state"], present_voltage_v=s["present_voltage_v"],
                                present_current_a=s["present_current_a"], authorized=self.authorized,
                                isolation="valid" if s["insulation_ohm"] else "none", max_voltage_v=max_v,
                                max_current_a=max_a, max_power_w=max_w, fault=s["fault"],
                                schedule={"round": self.bridge.request.schedule_round, "periods": [[0, max_w]]},
                                meter_wh=round(self.dc.energy_wh), meter_id="bench-dc-meter")
            if not self.states or self.states[-1] != self.path.state:
                self.states.append(self.path.state)
            if until():
                return True
            await asyncio.sleep(TICK_S)
        return False
