"""What the controller's two ends of the EV link share (firmware.dc.hlc_bridge, firmware.dc.slac_link):
a Unix socket a child process connects to and talks JSON lines on (hlc.protocol), and a hand-off from
the control thread to the event loop that sends a state when it changed, else as a heartbeat."""

from __future__ import annotations

import asyncio
import logging
import os

from hlc import protocol as p

log = logging.getLogger(__name__)


async def serve(path: str, on_connect) -> asyncio.AbstractServer:
    if os.path.exists(path):
        os.unlink(path)  # left by a process that died
    return await asyncio.start_unix_server(on_connect, path=path, limit=p.MAX_LINE)


async def read_lines(reader: asyncio.StreamReader, take, cid: int, who: str) -> None:
    """Every line to `take` until the process closes its end; a broken or oversized line ends it too."""
    try:
        while line := await reader.readline():
            take(line)
    except (ConnectionError, asyncio.LimitOverrunError, ValueError) as exc:
        log.warning("connector %s: %s dropped: %s", cid, who, exc)


class Handoff:
    """From the control thread, every tick: `offer(value, send)` has the loop call `send(value)` when the
    value changed or a heartbeat (HEARTBEAT_S) has passed; it never blocks."""

    def __init__(self, clock):
        self.clock = clock
        self.loop: asyncio.AbstractEventLoop | None = None  # set by the owner's start, on the loop
        self.last = None
        self._at = 0.0

    def offer(self, value, send) -> None:
        now = self.clock()
        if self.loop is None or (value == self.last and now - self._at < p.HEARTBEAT_S):
            return
        self.last, self._at = value, now
        try:
            self.loop.call_soon_threadsafe(send, value)
        except RuntimeError:  # the loop closed: the controller is stopping
            pass
