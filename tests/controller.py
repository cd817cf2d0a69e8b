"""`evse run` as a real process, driven through the bench HTTP API."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from firmware.child_process import die_with_parent

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ControllerProcess:
    def __init__(self, csms_url: str, data_dir: Path, board: str = "bench.toml", cp_id: str = "CP001",
                 extra: tuple = (), env: dict | None = None, command: list[str] | None = None,
                 ocpp_version: str = "1.6"):
        self.env = env or {}
        self.command = command or [sys.executable, "-m", "firmware"]
        self.csms_url = csms_url
        self.data_dir = Path(data_dir)
        self.board = board
        self.cp_id = cp_id
        self.extra = extra
        self.ocpp_version = ocpp_version
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}"
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-controller.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.http: aiohttp.ClientSession | None = None

    def argv(self) -> list[str]:
        return [
            *self.command, "run",
            "--board", str(ROOT / "board-configs" / self.board),
            "--data-dir", str(self.data_dir),
            "--csms-url", self.csms_url,
            "--charge-point-id", self.cp_id,
            "--ocpp-version", self.ocpp_version,
            "--bench-port", str(self.port),
            *self.extra,
        ]

    async def start(self, wait: bool = True) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        env = {k: v for k, v in os.environ.items() if k != "EVSE_REEXEC"} | self.env
        # A test that fails half-way (or a worker that dies) leaves no controller behind to load the next ones.
        self.proc = await asyncio.create_subprocess_exec(*self.argv(), stdout=log, stderr=log, env=env, cwd=ROOT,
                                                         preexec_fn=die_with_parent)
        log.close()
        self.http = self.http or aiohttp.ClientSession()
        if wait:
            await self.wait_api()

    async def wait_api(self, timeout: float = 15.0) -> None:
        end = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                await self.status()
                return
            except aiohttp.ClientError:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"controller exited {self.proc.returncode}:\n{self.log()}")
                if asyncio.get_running_loop().time() > end:
                    raise TimeoutError(f"bench API never came up:\n{self.log()}")
                await asyncio.sleep(0.05)

    async def status(self) -> dict:
        async with self.http.get(self.api + "/status") as r:
            return await r.json()

    async def connector(self, cid: int = 1) -> dict:
        return next(c for c in (await self.status())["connectors"] if c["id"] == cid)

    async def post(self, path: str, body) -> tuple[int, dict]:
        data = body if isinstance(body, (str, bytes)) else None
        async with self.http.post(self.api + path, json=None if data else body, data=data) as r:
            return r.status, await r.json()

    async def until(self, predicate, timeout: float = 10.0, cid: int = 1) -> dict:
        end = asyncio.get_running_loop().time() + timeout
        while True:
            c = await self.connector(cid)
            if predicate(c):
                return c
            if asyncio.get_running_loop().time() > end:
                raise TimeoutError(f"connector {cid} never matched; last {c}")
            await asyncio.sleep(0.05)

    async def wait_disconnected(self, timeout: float = 10.0) -> None:
        for _ in range(int(timeout / 0.05)):
            if not (await self.status())["ocpp"]["connected"]:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the controller still believes it is connected to the CSMS")

    async def stop(self, sig=signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.proc is None or self.proc.returncode is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise

    async def close(self) -> None:
        try:
            await self.stop()
        finally:
            if self.http is not None:
                await self.http.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-6000:]
        except FileNotFoundError:
            return ""
