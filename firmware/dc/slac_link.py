"""The controller's end of SLAC (ISO 15118-3): a Unix socket the SLAC process connects to (hlc.slac_child,
hlc.protocol's "pilot" and "slac" messages). The controller does not start that process: it needs
CAP_NET_RAW, which the controller's service never has, so on the board systemd runs it as a unit of its
own (systemd/evse-slac@.service) and on the bench the bench link starts it in its namespace.

The control thread hands over the pilot's state (`pilot`) and reads how far the match got (`state`);
neither waits. SLAC only lets the EV find the SECC: the power path's safety never depends on it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from firmware.dc.unix_link import Handoff, read_lines, serve
from hlc import protocol as p

log = logging.getLogger(__name__)

NONE = "none"  # no SLAC process is connected


class SlacLink:
    def __init__(self, cid: int, socket_path: str, clock=time.monotonic):
        self.cid, self.socket_path, self.clock = cid, socket_path, clock
        self.state, self.ev_mac, self.detail = NONE, None, None
        self._writer: asyncio.StreamWriter | None = None
        self._server: asyncio.AbstractServer | None = None
        self._handoff = Handoff(clock)  # the pilot's (state, digital), from the control thread

    async def start(self) -> None:
        self._handoff.loop = asyncio.get_running_loop()
        self._server = await serve(self.socket_path, self._serve)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None:
            self._writer.close()  # a new SLAC process replaces the old one
        self._writer = writer
        log.info("connector %s: the SLAC process connected", self.cid)
        if self._handoff.last is not None:
            self._send(self._handoff.last)
        try:
            await read_lines(reader, self._take, self.cid, "the SLAC process")
        finally:
            if self._writer is writer:
                self._writer = None
                self._set(NONE, None, None)
                log.warning("connector %s: the SLAC process is gone: no EV can find the charger until it is back",
                            self.cid)
            writer.close()

    def _take(self, line: bytes) -> None:
        try:
            message = p.decode(line)
        except p.BadLine as exc:
            log.warning("connector %s: a line from the SLAC process dropped: %s", self.cid, exc)
            return
        state = message.get("state")
        if message["type"] != "slac" or state not in p.SLAC_STATES:
            return
        ev_mac, detail = message.get("ev_mac"), message.get("detail")
        self._set(state, ev_mac if isinstance(ev_mac, str) else None, detail if isinstance(detail, str) else None)

    def _set(self, state: str, ev_mac: str | None, detail: str | None) -> None:
        if state != self.state:
            if state == "matched":
                log.info("connector %s: SLAC matched the EV (%s): it can now reach the charger", self.cid, ev_mac)
            elif state in ("failed", "no_modem"):
                log.warning("connector %s: SLAC %s: %s", self.cid, state.replace("_", " "), detail)
            else:
                log.info("connector %s: SLAC %s", self.cid, state)
        self.state, self.ev_mac, self.detail = state, ev_mac, detail

    def pilot(self, state: str, digital: bool) -> None:
        """From the control thread, every tick: sent when it changed, else at least every heartbeat."""
        self._handoff.offer((state, digital), self._send)

    def _send(self, pilot: tuple[str, bool]) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(p.encode("pilot", state=pilot[0], digital=pilot[1]))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._writer is not None:
            self._writer.close()
