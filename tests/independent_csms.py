"""Drive tests/independent/strict_csms.js (npm ocpp-rpc in strict mode) from a test.

The node process is the CSMS; what it validated arrives as JSON lines: the calls it
received, the answers to our requests, and every strict validation failure.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
from pathlib import Path

FOLDER = Path(__file__).parent / "independent"


def ensure_installed() -> None:
    """The test command installs it; a developer running pytest alone gets it here (npm ci, ~1 s)."""
    if not (FOLDER / "node_modules" / "ocpp-rpc").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FOLDER, check=True, capture_output=True)


class StrictCsms:
    def __init__(self, cards: list[str] | None = None):
        self.cards = cards  # the only cards it accepts; None: every card
        self.lines: list[dict] = []
        self.proc: asyncio.subprocess.Process | None = None
        self.port: int | None = None
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._reader: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    async def start(self) -> None:
        ensure_installed()
        self.proc = await asyncio.create_subprocess_exec(
            "node", str(FOLDER / "strict_csms.js"), "0", *([",".join(self.cards)] if self.cards else []), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=16 * 1024 * 1024)
        self._reader = asyncio.create_task(self._read())
        self.port = (await self.wait_for(lambda lines: [x for x in lines if "listening" in x]))[0]["listening"]

    async def _read(self) -> None:
        async for raw in self.proc.stdout:
            self.lines.append(json.loads(raw))
            self._changed.set()

    async def wait_for(self, predicate, timeout: float = 15.0):
        async def poll():
            while not (value := predicate(self.lines)):
                self._changed.clear()
                await self._changed.wait()
            return value
        return await asyncio.wait_for(poll(), timeout)

    async def call(self, method: str, params: dict) -> dict:
        """Our answer as ocpp-rpc saw it: {"response": ...} once valid, {"error": ...} when not."""
        request_id = next(self._ids)
        self.proc.stdin.write((json.dumps({"id": request_id, "method": method, "params": params}) + "\n").encode())
        await self.proc.stdin.drain()
        return (await self.wait_for(lambda lines: [x for x in lines if request_id in (x.get("result"),
                                                                                       x.get("error"))]))[0]

    def calls(self, method: str) -> list[dict]:
        return [x["params"] for x in self.lines if x.get("call") == method]

    def failures(self) -> list[dict]:
        return [x for x in self.lines if "failure" in x or "fatal" in x]

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()
