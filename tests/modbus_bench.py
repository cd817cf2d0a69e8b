"""A real RS-485 line for tests: a socat pty pair with `evse meter-sim` on one end."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import urllib.request
from pathlib import Path

from controller import ROOT, free_port
from firmware.child_process import die_with_parent


class MeterLine:
    def __init__(self, tmp: Path, model: str = "sdm630", addresses: str = "1,2,3", connectors: str = "1,2,0",
                 energy_wh: float = 1_000_000.0, baud: int = 9600, extra: tuple[str, ...] = ()):
        self.tmp = tmp
        self.sim_end = tmp / "meter-sim-tty"
        self.controller_end = tmp / "rs485-tty"
        self.model = model
        self.addresses = addresses
        self.connectors = connectors
        self.energy_wh = energy_wh
        self.baud = baud
        self.extra = extra  # more meter-sim arguments (a signing meter's key)
        self.api_port = free_port()
        self.socat = None
        self.sim = None

    async def start(self, follow_url: str) -> None:
        if shutil.which("socat") is None:
            raise RuntimeError("socat is needed for the Modbus RTU tests (.ci/run installs it)")
        self.socat = await asyncio.create_subprocess_exec(
            "socat", f"pty,raw,echo=0,link={self.sim_end}", f"pty,raw,echo=0,link={self.controller_end}",
            preexec_fn=die_with_parent)
        for _ in range(100):
            if self.sim_end.exists() and self.controller_end.exists():
                break
            await asyncio.sleep(0.02)
        log = open(self.tmp / "meter-sim.log", "ab")
        self.sim = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware", "meter-sim", "--model", self.model, "--serial", str(self.sim_end),
            "--baud", str(self.baud), *self.extra, "--address", self.addresses, "--follow", follow_url, "--connector", self.connectors,
            "--energy-wh", str(self.energy_wh), "--api-port", str(self.api_port), stdout=log, stderr=log, cwd=ROOT,
            preexec_fn=die_with_parent)
        for _ in range(200):
            try:
                self.meters()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise TimeoutError("meter-sim did not come up")

    def board(self, name: str = "bench-modbus.toml") -> Path:
        text = (ROOT / "board-configs" / name).read_text().replace("/tmp/evse-rs485", str(self.controller_end))
        path = self.tmp / name
        path.write_text(text)
        return path

    def meters(self) -> dict[int, dict]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}/meters", timeout=2) as r:
            return {m["address"]: m for m in json.load(r)}

    def set(self, **body) -> dict:
        request = urllib.request.Request(f"http://127.0.0.1:{self.api_port}/meters", data=json.dumps(body).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=2) as r:
            return json.load(r)

    async def stop(self) -> None:
        for proc in (self.sim, self.socat):
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await proc.wait()
