"""The load manager: schedules and the site budget turned into each connector's limits.

Every second, and at once when something changes (a profile, a session, the
link), it works out per connector the composite schedule of its profiles
(or the failsafe current while the CSMS is unreachable and no schedule is in
force), then shares the site budget (the fixed supply limit, the charge
point's ChargePointMaxProfile, the grid meter's headroom) among the
connectors, and hands both to the control thread. limits.offered_current
takes the minimum with the board, the cable and the derating; the PWM follows
on the next tick, well inside the 5 s the norm allows.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Callable

from firmware.core.charger import AVAILABLE, SESSION_STATES
from firmware.core.limits import SITE_SHARE, STATION_MAX
from firmware.events import SessionEnded, SessionStarted, StatusChanged, kicked_within
from firmware.smart_charging.composite import ConnectorView, deciding, limit_at
from firmware.smart_charging.profiles import CHARGE_POINT_MAX, TX, TX_DEFAULT
from firmware.smart_charging.sharing import Demand, share

log = logging.getLogger(__name__)

PERIOD_S = 1.0
SPARE_A = 3.0  # an EV drawing this much under its offer is taking what it needs
NEED_HEADROOM_A = 2.0  # ...and keeps this much above its draw to grow into
DRAWING_A = 1.0  # a phase carrying more than this is in use
PAUSE_TURN_S = 900.0  # a connector paused for lack of supply this long gets its turn before the others
SETTLE_S = 5.0  # an EV has this long to follow a new offer (IEC 61851-1 Table A.6) before its draw says anything


class LoadManager:
    def __init__(self, board, station, metering, profiles, wall, bus, *, transaction_id: Callable, online: Callable,
                 failsafe_a: Callable, phase_map: Callable = lambda cid: (0, 1, 2)):
        self.board = board
        self.station = station
        self.metering = metering
        self.profiles = profiles
        self.wall = wall
        self.transaction_id = transaction_id  # session -> the CSMS's transaction id, or None
        self.online = online
        self.failsafe_a = failsafe_a
        self.phase_map = phase_map  # connector -> the grid phase of its L1, L2, L3 (ConnectorPhaseRotation)
        self._kick = asyncio.Event()
        self._events = bus.subscribe()
        self.applied: dict = {}
        self._offers: dict[int, tuple[float, float]] = {}  # connector -> (offer, monotonic time it began)
        self._turns: list[int] = sorted(station.connectors)  # the last pauses first among equal priorities
        self._paused_since: dict[int, float] = {}

    def kick(self) -> None:
        self._kick.set()

    async def run(self) -> None:
        await asyncio.gather(self._follow_sessions(), self._apply_loop())

    async def _follow_sessions(self) -> None:
        """A session starting or ending changes the shares at once; its TxProfiles end with it."""
        while True:
            event = await self._events.get()
            if isinstance(event, SessionEnded):
                self.profiles.transaction_ended(event.session.connector_id)
            elif isinstance(event, StatusChanged) and event.state == AVAILABLE:
                # a remote start's TxProfile whose session never began (ConnectionTimeOut)
                self.profiles.transaction_ended(event.connector_id)
            if isinstance(event, (SessionStarted, SessionEnded, StatusChanged)):
                self.kick()

    async def _apply_loop(self) -> None:
        while True:
            self._kick.clear()  # a change during the work below is not lost
            limits = self.compute()
            if limits != self.applied:
                await self.station.set_limits(limits)
                self.applied = limits
                for cid, limit in limits.items():
                    log.info("connector %s: %s", cid, in_words(*limit))
            await kicked_within(self._kick, PERIOD_S)

    # ---- the computation ----------------------------------------------------
    def compute(self) -> dict[int, tuple[float | None, float | None, str, str]]:
        """{connector: (schedule amps, site share amps, what set the schedule, what set the share)}."""
        now = self.wall.now()
        decided = {cid: self._schedule(c, now) for cid, c in self.station.connectors.items()}
        schedules = {cid: limit for cid, (limit, _) in decided.items()}
        demands = [self._demand(c, schedules[cid]) for cid, c in self.station.connectors.items()]
        budget, by_csms = self.budget_and_whose(now)
        shares = share(budget, demands)
        self._rotate(demands, shares)
        why_share = "" if budget is None else (f"this connector's part of the CSMS's station maximum, {budget:.0f} A"
                                               if by_csms else f"this connector's part of the site's {budget:.0f} A")
        source = STATION_MAX if by_csms else SITE_SHARE
        return {cid: (schedules[cid], shares[cid], decided[cid][1], why_share, source)
                for cid in self.station.connectors}

    def _rotate(self, demands, shares) -> None:
        """A session kept waiting for PAUSE_TURN_S moves to the front; the one behind it waits next."""
        now = self.wall.monotonic()
        for d in demands:
            if d.active and shares[d.connector_id] == 0.0:
                since = self._paused_since.setdefault(d.connector_id, now)
                if now - since >= PAUSE_TURN_S:
                    self._turns.remove(d.connector_id)
                    self._turns.insert(0, d.connector_id)
                    del self._paused_since[d.connector_id]
                    self.kick()
            else:
                self._paused_since.pop(d.connector_id, None)

    def view(self, connector) -> ConnectorView:
        session = connector.session
        if session is None:
            return ConnectorView(connector.id, phases_in_use=self._phases(connector))
        return ConnectorView(connector.id, self.transaction_id(session), session.started_at, self._phases(connector))

    def _phases(self, connector) -> int:
        if connector.kind == "dc":
            return self.board.phases  # a DC connector draws from every phase of its supply; its meter has one line
        reading = self.metering.fresh(connector.id) if connector.id in self.metering.latest else None
        if reading is not None:
            drawing = sum(1 for a in reading.currents_a if a > DRAWING_A)
            if drawing:
                return drawing
        return self.board.phases

    def _schedule(self, connector, now) -> tuple[float | None, str]:
        """The schedule's limit now, and in words what set it."""
        limit, _, profile = deciding(self.profiles.profiles, self.view(connector), now, self.board.voltage_v,
                                     purposes=(TX, TX_DEFAULT, CHARGE_POINT_MAX))
        if limit is None and not self.online() and self.failsafe_a() > 0:
            return float(self.failsafe_a()), "failsafe current: no schedule while the CSMS is unreachable"
        if profile is None:
            return limit, ""
        return limit, f"{profile.purpose} profile {profile.id}, stack level {profile.stack_level}"

    def _demand(self, connector, schedule_a: float | None) -> Demand:
        rating = connector.supply_rating_a()
        cap = min(x for x in (rating, connector.cable_a or rating, schedule_a if schedule_a is not None else math.inf))
        active = connector.state in SESSION_STATES
        return Demand(connector.id, cap, active, self._need(connector, active), connector.cfg.priority,
                      self._turns.index(connector.id))

    def _need(self, connector, active: bool) -> float | None:
        """What the EV takes, once it has had time to settle at its offer and draws well under it (a DC
        EV tapering near full, say): the rest of its share goes to the others."""
        offer = connector.offered_a if connector.contactor_closed else 0.0
        previous = self._offers.get(connector.id)
        if previous is None or previous[0] != offer:
            self._offers[connector.id] = (offer, self.wall.monotonic())
            return None
        reading = self.metering.fresh(connector.id) if connector.id in self.metering.latest else None
        if not active or offer <= 0 or reading is None or not reading.currents_a:
            return None
        if reading.taken_at - previous[1] < SETTLE_S:
            return None
        if reading.dc:  # offer and meter in DC amps: both as supply amps, the power at the output's voltage
            volts = reading.voltages_v[0] if reading.voltages_v else 0.0
            offer = offer * volts / (self.board.voltage_v * self.board.phases)
            draw = self._supply_currents(reading)[0]
        else:
            draw = max(reading.currents_a)
        return max(6.0, draw + NEED_HEADROOM_A) if offer - draw > SPARE_A else None

    def budget(self, now) -> float | None:
        return self.budget_and_whose(now)[0]

    def budget_and_whose(self, now) -> tuple[float | None, bool]:
        """Amps per phase all connectors together may take (None: no limit), and whether the CSMS's
        station maximum is what sets it (else the site: its supply, its grid meter)."""
        site = self.board.site
        # The charge point has no transaction of its own: a relative ChargePointMaxProfile runs from now.
        cp_max, _ = limit_at(self.profiles.profiles, ConnectorView(0, tx_start=now, phases_in_use=self.board.phases),
                             now, self.board.voltage_v, purposes=(CHARGE_POINT_MAX,))
        site_limits = [x for x in (site.max_current_a, self._grid_headroom(site) if site.grid_limit_a is not None
                                   else None) if x is not None]
        site_a = min(site_limits) if site_limits else None
        if cp_max is not None and (site_a is None or cp_max < site_a):
            return cp_max, True
        return site_a, False

    def _supply_currents(self, reading) -> tuple[float, ...]:
        """A connector's draw in amps per phase of the supply; a DC meter's power spread over the phases."""
        if not reading.dc:
            return reading.currents_a
        return (max(0.0, reading.power_w) / (self.board.voltage_v * self.board.phases),) * self.board.phases

    def _grid_headroom(self, site) -> float:
        """The main fuse less the margin less what the rest of the site draws now."""
        grid = self.metering.fresh(0)
        if grid is None:
            return site.fallback_current_a
        ours = [0.0] * len(grid.currents_a)
        for cid in self.station.connectors:
            reading = self.metering.fresh(cid) if cid in self.metering.latest else None
            if reading is not None:
                grid_phase = self.phase_map(cid)
                for i, amps in enumerate(self._supply_currents(reading)[: len(grid_phase)]):
                    if grid_phase[i] < len(ours):
                        ours[grid_phase[i]] += amps
        others = max((g - o for g, o in zip(grid.currents_a, ours)), default=0.0)
        return max(0.0, site.grid_limit_a - site.grid_margin_a - max(0.0, others))


def in_words(schedule_a, share_a, why_schedule: str, why_share: str, source: str = SITE_SHARE) -> str:
    """A connector's limits from the load manager as a technician reads them."""
    def one(amps, by: str, why: str) -> str:
        return f"limited to {amps:.0f} A by the {by}" + (f" ({why})" if why else "")

    schedule = "no schedule" if schedule_a is None else one(schedule_a, "schedule", why_schedule)
    budget = "CSMS's station maximum" if source == STATION_MAX else "site budget"
    share_text = "no site budget" if share_a is None else one(share_a, budget, why_share)
    return f"{schedule}; {share_text}"
