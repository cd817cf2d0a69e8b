"""The charger model as the adapters and the bench see it: version-neutral.

Every method that changes a connector is run on the control thread through
ControlLoop.call and awaited here, so callers on the asyncio side never touch
connector state directly. Status reads are plain attribute reads (snapshot).
"""

from __future__ import annotations

import asyncio

from firmware.core.charger import AVAILABLE, PREPARING, SESSION_STATES
from firmware.core.connector import Connector
from firmware.core.control_loop import ControlLoop
from firmware.ac.hlc_connector import HlcAcConnector
from firmware.dc.connector import DcConnector
from firmware.core.limits import SITE_SHARE
from firmware.events import StationFaultsChanged
from firmware.core.safety import OncePerTick
from firmware.core.session import Session, StopReason
from firmware.core.vocabulary import AvailabilityResult, UnlockResult


class UnknownConnector(KeyError):
    pass


class Station:
    def __init__(self, board, hal, bus, wall, wake=None, readings=None, ev_links=None):
        """`wake`: the threading.Event the drivers and the metering set; `readings(cid)`: the latest
        fresh meter reading in memory (over-current and supply voltage are judged from it);
        `ev_links`: {connector: EvLinkPort} for DC connectors and ISO 15118-2 AC ones (firmware.dc.ev_link)."""
        self.board = board
        self.hal = hal
        self.bus = bus
        temperature = OncePerTick(hal.temperature)  # one sensor for every connector's supervisor
        readings = readings or (lambda cid: None)
        ev_links = ev_links or {}

        def connector(c):
            reading = lambda cid=c.id: readings(cid)  # noqa: E731
            if c.kind == "dc":
                return DcConnector(c, board, hal.connectors[c.id], hal, temperature, bus.publish_threadsafe, wall,
                                   ev_links[c.id], reading=reading)
            if c.hlc_iface:
                return HlcAcConnector(c, board, hal.connectors[c.id], hal, temperature, bus.publish_threadsafe, wall,
                                      ev_links[c.id], reading=reading)
            return Connector(c, board, hal.connectors[c.id], hal, temperature, bus.publish_threadsafe, wall,
                             reading=reading)

        self.connectors: dict[int, Connector] = {c.id: connector(c) for c in board.connectors}
        self.faults: set[str] = set()  # charger-wide, outside the tick (e.g. "reader")
        self.loop = ControlLoop(list(self.connectors.values()), board.tick_ms / 1000.0, board.idle_tick_ms / 1000.0,
                                wake=wake, clock=wall.monotonic)

    def start(self) -> None:
        self.loop.start()

    def stop(self) -> None:
        self.loop.stop()

    def connector(self, cid: int) -> Connector:
        try:
            return self.connectors[cid]
        except KeyError:
            raise UnknownConnector(cid) from None

    def renegotiate_schedules(self, cid: int) -> list[int]:
        """A charging profile changed the limits of connector `cid` (0: of all): each ISO 15118-2 EV
        charging there is asked to renegotiate its schedule. The connectors that asked."""
        return [c for c in (self.connectors if cid == 0 else [cid] if cid in self.connectors else [])
                if self.connectors[c].renegotiate_schedule()]

    async def call(self, fn, *args):
        return await asyncio.wrap_future(self.loop.call(fn, *args))

    # ---- sessions -------------------------------------------------------
    def sessions(self) -> list[Session]:
        return [c.session for c in self.connectors.values() if c.session is not None]

    def session_of_tag(self, id_tag: str) -> Session | None:
        return next((s for s in self.sessions() if s.id_tag == id_tag), None)

    def pick_connector(self, hint: int | None, id_tag: str | None = None, parent: str | None = None) -> int | None:
        """Where a start without a connector goes: a plugged EV waiting first; a
        connector reserved for this tag before any other."""
        if hint is not None:
            return hint if self.connector(hint).can_start(id_tag, parent) else None
        ready = [c for c in self.connectors.values() if c.can_start(id_tag, parent)]
        mine = [c for c in ready if c.reserved_for is not None]
        if mine:
            return mine[0].id
        waiting = [c for c in ready if c.state == PREPARING and c.plugged]
        chosen = (waiting or [c for c in ready if c.state == AVAILABLE] or ready or [None])[0]
        return None if chosen is None else chosen.id

    def reserved_for_a_group(self, cid: int | None) -> bool:
        """The connector is held by a reservation that a tag of its parentIdTag group may use."""
        reservation = None if cid is None else self.connector(cid).reserved_for
        return reservation is not None and reservation.parent_id_tag is not None

    async def authorize(self, cid: int, id_tag: str, parent: str | None = None) -> bool:
        connector = self.connector(cid)
        return await self.call(lambda now: connector.can_start(id_tag, parent) and connector.grant(id_tag, now, parent))

    async def stop_session(self, local_id: str, reason: StopReason) -> bool:
        for connector in self.connectors.values():
            if connector.session is not None and connector.session.local_id == local_id:
                return await self.call(lambda now, c=connector: c.end_session(reason))
        return False

    async def stop_all(self, reason: StopReason) -> None:
        def stop_every(now):
            for c in self.connectors.values():
                c.end_session(reason)

        await self.call(stop_every)

    async def resume(self, session: Session) -> bool:
        connector = self.connector(session.connector_id)
        return await self.call(lambda now: connector.resume(session, now))

    async def set_meter_start(self, session: Session, energy_wh: float) -> None:
        connector = self.connector(session.connector_id)
        await self.call(lambda now: connector.set_meter_start(session.local_id, energy_wh))

    # ---- operator commands ----------------------------------------------
    async def unlock(self, cid: int) -> UnlockResult:
        """Unlocked, failed, or not supported for a tethered cable or a socket without a lock."""
        connector = self.connector(cid)
        if connector.cfg.cable == "tethered" or connector.hal.lock is None:
            return UnlockResult.NOT_SUPPORTED  # nothing to release: unlocking must not end a session for nothing

        def do_unlock(now):
            connector.cable_held_for = None
            connector.end_session(StopReason.UNLOCK_COMMAND)
            connector.tick(now)  # session ends and the lock is released in this tick
            connector.hal.lock.unlock()

        await self.call(do_unlock)
        # A motor lock takes its pulse to move: its switch has lock_detect_s to say so.
        deadline = asyncio.get_running_loop().time() + self.board.lock_detect_s
        while connector.hal.lock.is_locked():
            if asyncio.get_running_loop().time() > deadline:
                return UnlockResult.FAILED
            await asyncio.sleep(0.02)
        return UnlockResult.UNLOCKED

    async def set_operative(self, cid: int, operative: bool) -> AvailabilityResult:
        """Accepted now, or scheduled when a session must end first."""
        targets = list(self.connectors.values()) if cid == 0 else [self.connector(cid)]

        def apply(now):
            busy = False
            for c in targets:
                c.operative = operative
                busy |= not operative and c.state in SESSION_STATES
            return AvailabilityResult.SCHEDULED if busy else AvailabilityResult.ACCEPTED

        return await self.call(apply)

    async def release_cable(self, id_tag: str) -> bool:
        """A card at the reader: the cable a connector holds for it is unlocked (True)."""
        def apply(now):
            released = [c for c in self.connectors.values() if c.release_cable(id_tag)]
            for c in released:
                c.tick(now)
            return bool(released)

        return await self.call(apply)

    async def set_unlock_on_ev_side_disconnect(self, unlock: bool) -> None:
        def apply(now):
            for c in self.connectors.values():
                c.unlock_on_ev_side_disconnect = unlock

        await self.call(apply)

    async def set_connection_timeout(self, seconds: float) -> None:
        def apply(now):
            for c in self.connectors.values():
                c.connection_timeout_s = seconds

        await self.call(apply)

    async def set_hold(self, cid: int, reason: str, active: bool) -> None:
        """Hold (or release) the connector's offer at 0 A for `reason`."""
        connector = self.connector(cid)
        await self.call(lambda now: (connector.holds.add if active else connector.holds.discard)(reason))

    async def set_limits(self, limits: dict) -> None:
        """{connector: (schedule amps or None, site share amps or None[, why the schedule, why the share,
        whose budget the share is of])} from the load manager."""
        def apply(now):
            for cid, (schedule_a, share_a, *why) in limits.items():
                connector = self.connectors[cid]
                connector.csms_limit_a, connector.site_share_a = schedule_a, share_a
                connector.limit_details = (*why, *("", "", SITE_SHARE)[len(why):])

        await self.call(apply)

    async def set_reservations(self, held: dict, anywhere: tuple = ()) -> None:
        """{connector: Reservation or None} from the reservation manager, and the reservations for any
        connector (their tags use them wherever they start, held on a connector or not)."""
        def apply(now):
            for cid, reservation in held.items():
                self.connectors[cid].reserved_for = reservation
                self.connectors[cid].anywhere = anywhere

        await self.call(apply)

    def set_fault(self, name: str, active: bool) -> None:
        """A charger-wide fault seen on the asyncio side; reported, never a trip."""
        if (name in self.faults) == active:
            return
        (self.faults.add if active else self.faults.discard)(name)
        self.bus.publish(StationFaultsChanged(frozenset(self.faults)))

    def own_values(self, cid: int) -> dict[str, tuple[float, str]] | None:
        """What connector cid knows itself, as measurands: {measurand: (value, unit)} (None: no such
        connector): the current (A per phase, DC: A) and power it offers, the EV's SoC when told."""
        connector = self.connectors.get(cid)
        return None if connector is None else connector.own_values()

    def session_by_id(self, local_id: str) -> Session | None:
        return next((s for s in self.sessions() if s.local_id == local_id), None)

    def sessions_ended(self) -> int:
        return sum(c.sessions_ended for c in self.connectors.values())
