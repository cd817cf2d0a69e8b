"""The charger under test: `evse run` as a child process on the bench (mock HAL, simulated EV)
with its frame log on, driven through the bench API (BENCH_API.md), its frames read back."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp

from firmware.child_process import die_with_parent, end_child
from firmware.ocpp import frame_log



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UnderTest:
    def __init__(self, *, board: str, data_dir: Path, csms_url: str, cp_id: str, ocpp_version: str,
                 security: list[str]):
        self.board, self.data_dir, self.csms_url, self.cp_id = board, Path(data_dir), csms_url, cp_id
        self.ocpp_version, self.security = ocpp_version, security
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}"
        self.frames_path = self.data_dir.parent / "frames.jsonl"
        self.log_path = self.data_dir.parent / "controller.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "firmware", "run", "--board", self.board, "--data-dir", str(self.data_dir),
                "--csms-url", self.csms_url, "--charge-point-id", self.cp_id, "--ocpp-version", self.ocpp_version,
                "--frame-log", str(self.frames_path), *self.security, *self.reading_port()]
        with open(self.log_path, "ab") as log:
            env = {k: v for k, v in os.environ.items() if k != "EVSE_REEXEC"}
            self.proc = await asyncio.create_subprocess_exec(*argv, stdout=log, stderr=log, env=env,
                                                             preexec_fn=die_with_parent)
        self.http = self.http or aiohttp.ClientSession()
        for _ in range(300):
            try:
                await self.status()
                return
            except aiohttp.ClientError:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"the controller did not start; see {self.log_path}") from None
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the controller's bench API did not answer; see {self.log_path}")

    async def stop(self) -> None:
        await end_child(self.proc, 15)
        if self.http is not None:
            await self.http.close()
            self.http = None

    def reading_port(self) -> list[str]:
        """How the witness reads the charger: the bench API (BENCH_API.md) on the bench."""
        return ["--bench-port", str(self.port)]

    async def status(self) -> dict:
        async with self.http.get(self.api + "/status") as r:
            return await r.json()

    async def connector(self, cid: int) -> dict:
        return next(c for c in (await self.status())["connectors"] if c["id"] == cid)

    async def post(self, path: str, body: dict) -> dict:
        async with self.http.post(self.api + path, json=body) as r:
            return await r.json()

    async def until(self, predicate, timeout: float, cid: int = 1) -> dict | None:
        """The connector's status once `predicate` holds, or None after `timeout` seconds."""
        end = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < end:
            try:
                c = await self.connector(cid)
                if predicate(c):
                    return c
            except (aiohttp.ClientError, StopIteration):
                pass  # restarting
            await asyncio.sleep(0.2)
        return None

    def frames(self) -> list[dict]:
        return frame_log.read(self.frames_path) if self.frames_path.exists() else []

    async def frames_until(self, predicate, timeout: float) -> list[dict] | None:
        """The frames once `predicate(frames)` holds, or None after `timeout` seconds."""
        end = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < end:
            frames = self.frames()
            if predicate(frames):
                return frames
            await asyncio.sleep(0.3)
        return None
