"""The device side of the page's API: firmware, logs and the self-test."""

from __future__ import annotations

import asyncio
from collections import deque
from pathlib import Path

from aiohttp import web

from firmware.security.redact import redact
from firmware.web.guard import Refused

TAIL_LINES = 200
LOG_NAME = "evse.log"


def log_files(data_dir) -> list[Path]:
    """The diagnostics log and its rotations, oldest first."""
    folder = Path(data_dir) / "logs"
    rotated = sorted(folder.glob(f"{LOG_NAME}.*"), key=lambda p: -int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0)
    current = folder / LOG_NAME
    return rotated + ([current] if current.exists() else [])


class DeviceApi:
    def __init__(self, firmware, commissioning, data_dir, exporter):
        self.firmware = firmware
        self.commissioning = commissioning
        self.data_dir = data_dir
        self.exporter = exporter  # (path) -> what the bundle holds: firmware.export.make
        self._exporting = asyncio.Lock()
        self._running: asyncio.Task | None = None

    def routes(self) -> list:
        return [web.get("/api/firmware", self.firmware_summary), web.get("/api/logs", self.log_tail),
                web.get("/api/logs/download", self.log_download), web.get("/api/selftest", self.selftest),
                web.post("/api/selftest", self.run_selftest), web.get("/api/export", self.export)]

    async def export(self, request):
        """The owner's data as one verifiable bundle (docs/export.md), made in a worker thread on a
        connection of its own; one at a time."""
        async with self._exporting:
            folder = Path(self.data_dir) / "exports"
            folder.mkdir(exist_ok=True)
            out = folder / "evse-export.zip"
            about = await asyncio.to_thread(self.exporter, out)
            body = out.read_bytes()
            out.unlink()
        name = f"evse-export-{about['charger']['serial']}-{about['exported_at'][:10]}.zip"
        return web.Response(body=body, content_type="application/zip",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def firmware_summary(self, request):
        return web.json_response(self.firmware.summary())

    async def log_tail(self, request):
        """The last lines of the log, secrets redacted again on the way out (the file's own filter did it once)."""
        files = log_files(self.data_dir)
        lines: deque[str] = deque(maxlen=TAIL_LINES)
        if files:
            with files[-1].open(errors="replace") as f:
                lines.extend(f)
        return web.json_response({"lines": [redact(line.rstrip("\n")) for line in lines]})

    async def log_download(self, request):
        text = "".join(redact(p.read_text(errors="replace")) for p in log_files(self.data_dir))
        return web.Response(text=text, content_type="text/plain", headers={
            "Content-Disposition": 'attachment; filename="evse.log"'})

    async def selftest(self, request):
        return web.json_response({"last": self.commissioning.last(), "can_run": self.commissioning.refusal() is None,
                                  "why_not": self.commissioning.refusal(), "running": self.commissioning.running})

    async def run_selftest(self, request):
        why = self.commissioning.refusal()
        if why:
            raise Refused(409, why)
        self._running = asyncio.create_task(self.commissioning.run(), name="self-test")  # answered first
        return web.json_response({"started": True, "takes_effect": "the self-test runs now; the charger restarts "
                                                                   "when it is done and this page shows the table"})
