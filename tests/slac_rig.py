"""A SLAC rig: the product's SLAC process (hlc.slac_child, pyslac's EVSE) and the bench's car and modem
(hlc.slac_sim) on a veth pair in a network namespace of their own (tests/slac_netns.py), the controller's
end (firmware.dc.slac_link) in the caller's event loop, fed the pilot every 20 ms as the control tick does.
Used by tests/integration/test_slac.py and benchmarks/slac_match.py."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

from firmware.dc.slac_link import SlacLink
from hlc_bench import SLAC_PYTHON, ensure_hlc_environment

ROOT = Path(__file__).resolve().parents[1]


class Rig:
    def __init__(self, tmp: Path, *extra: str):
        ensure_hlc_environment()
        self.link = SlacLink(1, str(tmp / "slac.sock"))
        self.extra = extra
        self.proc: asyncio.subprocess.Process | None = None
        self.pilot = ("A", False)  # what the control tick hands the link every 20 ms
        self.took_ms: float | None = None
        self._ticks: asyncio.Task | None = None

    async def _tick(self) -> None:
        while True:
            self.link.pilot(*self.pilot)
            await asyncio.sleep(0.02)

    async def __aenter__(self):
        await self.link.start()
        self._ticks = asyncio.create_task(self._tick())
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = await asyncio.create_subprocess_exec(
            "unshare", "--map-root-user", "--net", str(SLAC_PYTHON), str(ROOT / "tests" / "slac_netns.py"),
            "--socket", self.link.socket_path, *self.extra, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        word, self.ev_mac = (await asyncio.wait_for(self.proc.stdout.readline(), 30)).decode().split()
        assert word == "ready"
        return self

    async def __aexit__(self, *exc):
        self._ticks.cancel()
        self.proc.stdin.close()
        await asyncio.wait_for(self.proc.wait(), 20)
        await self.link.stop()

    async def until(self, state: str, seconds: float = 15.0) -> None:
        end = time.monotonic() + seconds
        while self.link.state != state:
            assert time.monotonic() < end, f"SLAC stayed {self.link.state} ({self.link.detail}), not {state}"
            await asyncio.sleep(0.05)

    async def ev(self, give_up_s: float = 20.0) -> int:
        """The bench EV's SLAC, once: its exit code (0: matched); `took_ms` how long the match took it."""
        self.proc.stdin.write(f"ev {give_up_s}\n".encode())
        _, code, took = (await asyncio.wait_for(self.proc.stdout.readline(), give_up_s + 10)).decode().split()
        self.took_ms = float(took) if took != "-" else None
        return int(code)
