"""The enclosure's tamper switch: a security event each time it opens.

Not a safety input (an opened door does not by itself endanger anyone: the
e-stop and RCD cover that), so it is watched from the asyncio side, and the
event goes through the persistent outbox like every security event.
"""

from __future__ import annotations

import asyncio
import logging

from firmware.security import events as ev

log = logging.getLogger(__name__)

POLL_S = 0.2


async def watch_tamper(switch, events, poll_s: float = POLL_S) -> None:
    if switch is None:
        return
    was_open = False
    while True:
        is_open = switch.active()
        if is_open and not was_open:
            log.warning("tamper switch: enclosure opened")
            events.record(ev.TAMPER, "enclosure tamper switch opened")
        elif was_open and not is_open:
            log.info("tamper switch: enclosure closed")
        was_open = is_open
        await asyncio.sleep(poll_s)
