"""A card at the reader: stop the session it started, or authorize a new one."""

from __future__ import annotations

import asyncio
import logging

from firmware.core.session import StopReason
from hal.errors import HalError

log = logging.getLogger(__name__)

POLL_S = 0.2  # a reader answers within 200 ms; faster polling costs idle CPU
READER_RETRY_S = 1.0


class CardHandler:
    def __init__(self, reader, station, authorizer, remote, master_pass=lambda: None):
        self._reader = reader
        self._station = station
        self._authorizer = authorizer
        self._remote = remote  # async (id_tag) -> IdTagInfo | None: the CSMS, when it answers
        self._master_pass = master_pass  # () -> the group whose cards end every session (2.0.1 C16), or None

    async def run(self) -> None:
        while True:
            try:
                card = self._reader.poll()
            except HalError as exc:  # a dead reader: report it, keep trying, remote starts still work
                if "reader" not in self._station.faults:
                    log.error("card reader failed: %s", exc)
                self._station.set_fault("reader", True)
                await asyncio.sleep(READER_RETRY_S)
                continue
            if "reader" in self._station.faults:
                log.warning("card reader answers again")
                self._station.set_fault("reader", False)
            if card is None:
                await asyncio.sleep(POLL_S)
                continue
            try:
                await self.present(card.id_tag, card.connector)
            except Exception:
                log.exception("card %s could not be handled", card.id_tag)

    async def present(self, id_tag: str, connector: int | None) -> str:
        """What happened, for the log and the bench: 'stopped', 'started', 'rejected', 'busy', 'unlocked'."""
        if await self._station.release_cable(id_tag):
            return "unlocked"  # its cable, held in the socket after an EV-side unplug
        own = self._station.session_of_tag(id_tag)
        if own is not None:  # the tag that started a session ends it, no question asked
            return await self._stop(own, "its own tag")
        busy = self._station.connector(connector).session if connector is not None else None
        info = await self._authorizer.authorize(id_tag, self._remote)
        master = self._master_pass()
        if master and info.accepted and info.parent_id_tag == master:
            return await self._master_stop(id_tag)
        if busy is not None:
            # OCPP 1.6 3.5.1: another tag of the same group (parentIdTag) may end the session.
            if info.accepted and info.parent_id_tag and info.parent_id_tag == busy.parent_id_tag:
                return await self._stop(busy, f"a tag of group {info.parent_id_tag}")
            log.info("connector %s: tag %s may not end this session", connector, id_tag)
            return "busy"
        if not info.accepted:
            log.info("card refused (%s)", info.now_status())
            return "rejected"
        cid = self._station.pick_connector(connector, id_tag, info.parent_id_tag)
        if cid is None:
            log.info("card presented but no connector can start (hint %s)", connector)
            return "busy"
        return "started" if await self._station.authorize(cid, id_tag, info.parent_id_tag) else "busy"

    async def _master_stop(self, id_tag: str) -> str:
        """C16 without a screen to choose on: a master pass ends every session, and starts none."""
        sessions = list(self._station.sessions())
        for session in sessions:
            await self._station.stop_session(session.local_id, StopReason.MASTER_PASS)
        log.warning("master pass %s ended %s session(s)", id_tag, len(sessions))
        return "stopped" if sessions else "rejected"

    async def _stop(self, session, by: str) -> str:
        await self._station.stop_session(session.local_id, StopReason.LOCAL)
        log.info("connector %s: session %s ended by %s", session.connector_id, session.local_id, by)
        return "stopped"
