"""A card at the reader: stop the session it started, or authorize a new one."""

from __future__ import annotations

import asyncio
import logging

from firmware.session import StopReason

log = logging.getLogger(__name__)

POLL_S = 0.2  # a reader answers within 200 ms; faster polling costs idle CPU


class CardHandler:
    def __init__(self, reader, station, authorizer):
        self._reader = reader
        self._station = station
        self._authorizer = authorizer

    async def run(self) -> None:
        while True:
            card = self._reader.poll()
            if card is None:
                await asyncio.sleep(POLL_S)
                continue
            try:
                await self.present(card.id_tag, card.connector)
            except Exception:
                log.exception("card %s could not be handled", card.id_tag)

    async def present(self, id_tag: str, connector: int | None) -> str:
        """What happened, for the log and the bench: 'stopped', 'started', 'rejected', 'busy'."""
        session = self._station.session_of_tag(id_tag)
        if session is not None:
            await self._station.stop_session(session.local_id, StopReason.LOCAL)
            log.info("connector %s: card ends session %s", session.connector_id, session.local_id)
            return "stopped"
        cid = self._station.pick_connector(connector)
        if cid is None:
            log.info("card presented but no connector can start (hint %s)", connector)
            return "busy"
        result = await self._authorizer.authorize(id_tag)
        if not result.accepted:
            log.info("connector %s: card refused (%s)", cid, result.status)
            return "rejected"
        return "started" if await self._station.authorize(cid, id_tag) else "busy"
