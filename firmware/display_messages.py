"""Messages for drivers on the charger's display (OCPP 2.0.1 O01-O06), kept in SQLite.

A message has an id, a priority (AlwaysFront beats InFront beats NormalCycle;
the newest AlwaysFront replaces the others, InFront and NormalCycle messages
take turns within their priority), optionally a charger state it is for (Charging,
Faulted, Idle, Unavailable), a time window and a transaction it belongs to
(shown while that transaction runs, gone when it ends). The service shows the
message that applies now on the HAL's display, or the charger's own status
line when none does; the display is driven off the event loop (it may be a
slow I2C device).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from firmware.clock import parse_utc

log = logging.getLogger(__name__)

SCHEMA = "CREATE TABLE IF NOT EXISTS display_messages (id INTEGER PRIMARY KEY, message TEXT NOT NULL)"
PRIORITIES = ("AlwaysFront", "InFront", "NormalCycle")
STATES = ("Charging", "Faulted", "Idle", "Unavailable")
FORMATS = ("ASCII", "UTF8")
CYCLE_S = 5  # NormalCycle messages take turns this long each
LOOK_S = 1.0


@dataclass(frozen=True)
class DisplayMessage:
    id: int
    priority: str
    content: str
    format: str = "UTF8"
    language: str | None = None
    state: str | None = None
    start: str | None = None  # ISO 8601 UTC
    end: str | None = None
    transaction_id: str | None = None

    def active(self, now: datetime, state: str, running: set[str]) -> bool:
        start, end = parse_utc(self.start) if self.start else None, parse_utc(self.end) if self.end else None
        return ((start is None or start <= now) and (end is None or now < end)
                and (self.state is None or self.state == state)
                and (self.transaction_id is None or self.transaction_id in running))


class DisplayMessages:
    def __init__(self, store, max_messages: int = 20):
        self._store = store
        self._db = store.db
        self.max_messages = max_messages
        store.ensure(SCHEMA)

    def put(self, message: DisplayMessage) -> None:
        """Replaces a message with the same id (O01.FR.? the CSMS may update a message)."""
        with self._store.transaction():
            self._db.execute("INSERT OR REPLACE INTO display_messages VALUES (?, ?)",
                             (message.id, json.dumps(asdict(message))))

    def full(self, new_id: int) -> bool:
        count = self._db.execute("SELECT COUNT(*) FROM display_messages WHERE id != ?", (new_id,)).fetchone()[0]
        return count >= self.max_messages

    def all(self) -> list[DisplayMessage]:
        rows = self._db.execute("SELECT message FROM display_messages ORDER BY id").fetchall()
        return [DisplayMessage(**json.loads(r[0])) for r in rows]

    def clear(self, message_id: int) -> bool:
        with self._store.transaction():
            return self._db.execute("DELETE FROM display_messages WHERE id = ?", (message_id,)).rowcount > 0

    def drop_transaction(self, transaction_id: str) -> None:
        """A transaction's messages end with it (O02)."""
        for m in self.all():
            if m.transaction_id == transaction_id:
                self.clear(m.id)

    def shown(self, now: datetime, state: str, running: set[str]) -> DisplayMessage | None:
        """The message the display shows now, if any applies."""
        live = [m for m in self.all() if m.active(now, state, running)]
        always = [m for m in live if m.priority == "AlwaysFront"]
        if always:
            return max(always, key=lambda m: m.id)  # the newest replaces the others, no turns
        for priority in PRIORITIES[1:]:  # InFront ones take turns in front of the NormalCycle ones
            cycle = sorted((m for m in live if m.priority == priority), key=lambda m: m.id)
            if cycle:
                return cycle[int(now.timestamp() // CYCLE_S) % len(cycle)]
        return None


def station_state(station) -> str:
    """The charger as a display message's state names it (2.0.1 MessageStateEnumType)."""
    from firmware.core.charger import CHARGING, FAULTED, UNAVAILABLE

    states = [c.state for c in station.connectors.values()]
    if CHARGING in states:
        return "Charging"
    if FAULTED in states:
        return "Faulted"
    if states and all(s == UNAVAILABLE for s in states):
        return "Unavailable"
    return "Idle"


def status_line(station, cost_of=lambda session: None) -> str:
    """What the display says when no message applies: each connector's state, in a driver's words, and
    what its session costs so far when the CSMS said so (2.0.1 I01, I02)."""
    words = {"available": "ready", "preparing": "waiting for a card", "charging": "charging",
             "suspended_ev": "paused by the car", "suspended_evse": "paused", "finishing": "finished",
             "reserved": "reserved", "unavailable": "out of service", "faulted": "fault"}
    def line(cid, c) -> str:
        cost = cost_of(c.session) if c.session is not None else None
        money = f" {cost['total']:.2f} {cost['currency']}" if cost else ""
        return f"{cid}: {words.get(c.state, c.state)}{money}"

    return "\n".join(line(cid, c) for cid, c in sorted(station.connectors.items()))


class DisplayService:
    """Keeps the HAL's display in step: a message when one applies, else the charger's own words."""

    def __init__(self, messages: DisplayMessages, display, station, clock, state_of, running_transactions,
                 status_line):
        self.messages = messages
        self.display = display
        self.station = station
        self.clock = clock
        self.state_of = state_of  # () -> Charging | Faulted | Idle | Unavailable
        self.running_transactions = running_transactions  # () -> set of the CSMS's transaction ids
        self.status_line = status_line  # () -> the text when no message applies
        self._shown: str | None = None

    async def run(self) -> None:
        if self.display is None:
            return
        while True:
            message = self.messages.shown(self.clock.now(), self.state_of(), self.running_transactions())
            text = message.content if message is not None else self.status_line()
            if text != self._shown:
                try:
                    await asyncio.to_thread(self.display.show, text)
                    self._shown = text
                except Exception as exc:  # a display that fails must never stop the charger
                    log.warning("the display did not take the new text: %s", exc)
            await asyncio.sleep(LOOK_S)
