"""Reservations (OCPP 1.6 section 5.13): a connector, or any connector, held for one idTag.

A reservation for a connector holds that one; one for connector 0 holds a
connector only when the free ones run out, so that the tag always finds one.
They end when their tag starts a session there (its StartTransaction carries
the reservationId), at their expiry date, or by CancelReservation; they are
kept in the store, so a restart does not forget them. Which connector each
one holds is worked out here and handed to the control thread, whose session
machine shows Reserved and admits only that tag (or its parentIdTag group).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from firmware.core.charger import AVAILABLE, FAULTED, RESERVED, UNAVAILABLE
from firmware.core.vocabulary import CancelResult, ReservationResult
from firmware.events import ReservationEnded, SessionStarted, StatusChanged, kicked_within

log = logging.getLogger(__name__)

KEY = "reservations"
CHECK_S = 1.0


@dataclass(frozen=True)
class Reservation:
    id: int
    connector_id: int  # 0: any connector of the charge point
    id_tag: str
    expiry: datetime
    parent_id_tag: str | None = None


class Reservations:
    def __init__(self, store, station, wall, bus):
        self._store = store
        self._station = station
        self._wall = wall
        self._bus = bus
        self._events = bus.subscribe()
        self.active: dict[int, Reservation] = self._load()
        self.held: dict[int, Reservation | None] = {}
        self.anywhere: tuple[Reservation, ...] = ()
        self._kick = asyncio.Event()

    # ---- the requests ---------------------------------------------------
    def reserve(self, r: Reservation) -> ReservationResult:
        """ReserveNow: accepted, faulted, occupied, rejected or unavailable."""
        if r.expiry <= self._wall.now():
            return ReservationResult.REJECTED
        if r.connector_id != 0:
            if r.connector_id not in self._station.connectors:
                return ReservationResult.REJECTED
            refusal = self._refusal(r)
            if refusal:
                return refusal
        elif not self._free_for(r):
            return self._why_none_free()
        self.active[r.id] = r  # the same reservationId replaces the earlier one
        self._save()
        self._kick.set()
        log.info("reservation %s: connector %s for %s until %s", r.id, r.connector_id, r.id_tag, r.expiry)
        return ReservationResult.ACCEPTED

    def _refusal(self, r: Reservation) -> ReservationResult | None:
        connector = self._station.connector(r.connector_id)
        if connector.state == FAULTED:
            return ReservationResult.FAULTED
        if connector.state == UNAVAILABLE:
            return ReservationResult.UNAVAILABLE
        other = next((x for x in self.active.values() if x.connector_id == r.connector_id and x.id != r.id), None)
        if other is not None or connector.state not in (AVAILABLE, RESERVED):
            return ReservationResult.OCCUPIED
        return None

    def _free_for(self, r: Reservation) -> bool:
        """Connector 0: one more reservation still leaves a connector for each."""
        free = [c for c in self._station.connectors.values() if c.state in (AVAILABLE, RESERVED)]
        taken = [x for x in self.active.values() if x.id != r.id]
        return len(free) > len(taken)

    def _why_none_free(self) -> ReservationResult:
        """Connector 0 refused: every connector faulted or out of service says so (TC_H_12), else they are in use or held."""
        states = {c.state for c in self._station.connectors.values()}
        if states == {FAULTED}:
            return ReservationResult.FAULTED
        if states <= {FAULTED, UNAVAILABLE}:
            return ReservationResult.UNAVAILABLE
        return ReservationResult.OCCUPIED

    def cancel(self, reservation_id: int) -> CancelResult:
        if self.active.pop(reservation_id, None) is None:
            return CancelResult.REJECTED
        self._save()
        self._kick.set()
        log.info("reservation %s cancelled", reservation_id)
        return CancelResult.ACCEPTED

    # ---- keeping the connectors in step --------------------------------------
    async def run(self) -> None:
        await asyncio.gather(self._follow(), self._apply_loop())

    async def _follow(self) -> None:
        while True:
            event = await self._events.get()
            if isinstance(event, SessionStarted) and event.session.reservation_id is not None:
                self.active.pop(event.session.reservation_id, None)
                self._save()
            if isinstance(event, (SessionStarted, StatusChanged)):
                self._kick.set()

    async def _apply_loop(self) -> None:
        while True:
            self._kick.clear()  # a change during the work below is not lost
            self._expire()
            held = self.placement()
            anywhere = tuple(r for r in sorted(self.active.values(), key=lambda r: r.id) if r.connector_id == 0)
            if (held, anywhere) != (self.held, self.anywhere):
                await self._station.set_reservations(held, anywhere)
                self.held, self.anywhere = held, anywhere
            await kicked_within(self._kick, CHECK_S)

    def _expire(self) -> None:
        """Past their expiry date, or on a connector taken out of service (2.0.1 H22): gone, and said so."""
        now = self._wall.now()
        connectors = self._station.connectors
        ended = [(r, "expired") for r in self.active.values() if r.expiry <= now]
        ended += [(r, "removed") for r in self.active.values() if r.expiry > now and r.connector_id in connectors
                  and connectors[r.connector_id].state == UNAVAILABLE]
        for r, why in ended:
            log.info("reservation %s %s", r.id, "expired" if why == "expired" else
                     f"removed: connector {r.connector_id} is out of service")
            del self.active[r.id]
            self._bus.publish(ReservationEnded(r.id, why))
        if ended:
            self._save()

    def placement(self) -> dict[int, Reservation | None]:
        """Which reservation holds which connector now."""
        held: dict[int, Reservation | None] = {cid: None for cid in self._station.connectors}
        for r in self.active.values():
            if r.connector_id in held:
                held[r.connector_id] = r
        anywhere = sorted((r for r in self.active.values() if r.connector_id == 0), key=lambda r: r.id)
        free = [cid for cid, c in sorted(self._station.connectors.items())
                if held[cid] is None and c.state in (AVAILABLE, RESERVED)]
        if anywhere and len(free) <= len(anywhere):
            for cid, r in zip(reversed(free), anywhere):  # the last free ones, so the first stay open longest
                held[cid] = r
        return held

    # ---- persistence --------------------------------------------------------------
    def _save(self) -> None:
        self._store.put(KEY, json.dumps([{**asdict(r), "expiry": r.expiry.isoformat()}
                                         for r in self.active.values()]))

    def _load(self) -> dict[int, Reservation]:
        raw = self._store.get(KEY)
        try:
            items = json.loads(raw) if raw else []
            return {d["id"]: Reservation(**{**d, "expiry": datetime.fromisoformat(d["expiry"])}) for d in items}
        except (ValueError, KeyError, TypeError) as exc:
            log.error("stored reservations unreadable (%s): none kept", exc)
            return {}
