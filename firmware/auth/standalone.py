"""A charger without a CSMS: cards kept on the charger, or charging for whoever plugs in.

With no CSMS URL configured the charger decides alone. Its cards are the
local authorization list (the same table a CSMS fills with SendLocalList),
edited from the installer's page; each edit is a new list version, so a CSMS
added later sees a list it can replace. With free charging on, every plug-in
starts a session under the tag FREE (once per plug-in: a session that ends
while the car stays plugged is not started again). Sessions are recorded in
the history and queued for a CSMS like any offline session, so adding one
later loses nothing.
"""

from __future__ import annotations

import asyncio
import logging

from firmware.auth.id_tag_info import IdTagInfo
from firmware.auth.local_list import ListTooLong
from firmware.core.vocabulary import LocalListResult

log = logging.getLogger(__name__)

FREE_TAG = "FREE"
FREE_KEY = "standalone.free_charging"
STATUSES = ("Accepted", "Blocked")
LOOK_S = 0.5


class CardRefused(ValueError):
    pass


class StandaloneCards:
    def __init__(self, store, local_list, station):
        self.store = store
        self.local_list = local_list
        self.station = station

    @property
    def free_charging(self) -> bool:
        return bool(self.store.get(FREE_KEY, False))

    def set_free_charging(self, on: bool) -> None:
        self.store.put(FREE_KEY, bool(on))
        log.info("standalone: free charging %s", "on: every plug-in charges" if on else "off: cards only")

    def cards(self) -> list[dict]:
        return [{"id_tag": tag, "status": status} for tag, status in self.local_list.entries()]

    def put(self, id_tag: str, status: str) -> None:
        if not isinstance(id_tag, str) or not 1 <= len(id_tag) <= 20 or not id_tag.isprintable():
            raise CardRefused("a card id is 1 to 20 printable characters (OCPP IdToken)")
        if status not in STATUSES:
            raise CardRefused(f"status must be one of {', '.join(STATUSES)}")
        self._update([(id_tag, IdTagInfo(status))])
        log.info("standalone: card %s is now %s", id_tag, status)

    def remove(self, id_tag: str) -> bool:
        if self.local_list.get(id_tag) is None:
            return False
        self._update([(id_tag, None)])
        log.info("standalone: card %s removed", id_tag)
        return True

    def _update(self, entries) -> None:
        try:
            result = self.local_list.update(self.local_list.version + 1, False, entries)
        except ListTooLong:
            raise CardRefused(f"the card list is full ({self.local_list.max_length} cards)") from None
        if result != LocalListResult.ACCEPTED:
            raise CardRefused(f"the card list refused the change ({result.value})")

    async def run_free_charging(self) -> None:
        """Start a session at each plug-in while free charging is on."""
        served: set[int] = set()  # connectors whose current plug-in already had its session
        while True:
            await asyncio.sleep(LOOK_S)
            for cid, connector in self.station.connectors.items():
                if not connector.plugged:
                    served.discard(cid)
                elif connector.session is not None:
                    served.add(cid)
                elif self.free_charging and cid not in served:
                    if await self.station.authorize(cid, FREE_TAG):
                        log.info("connector %s: free charging session started", cid)
                    served.add(cid)
