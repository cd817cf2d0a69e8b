"""The charger's side of ISO 15118 smart charging on a DC or an ISO 15118-2 AC connector (OCPP 2.0.1 K15, in neutral
words): each ChargeParameterDiscovery round of the EV is published once as EvChargingNeeds, and held
(the EV hears EVSEProcessing Ongoing) until the OCPP layer offers the schedule for it: at once when
no CSMS has a say, after the CSMS's TxProfile when it has one. A round nobody answers within
WAIT_S gets the charger's own ceiling, well inside the EV's 60 s for the discovery (ISO 15118-2
V2G_EVCC_Ongoing_Timer). The profile the EV chooses is published as EvChargingSchedule.

A renegotiation is a new round. The EV may start one (OCPP 2.0.1 K17); the charger asks for one
when its limits for the session change mid-charge (K16): `renegotiate()` puts the EV's last round in
the status as "renegotiate", the SECC then answers the EV's CurrentDemandReq with EVSENotification
ReNegotiation (ISO 15118-2 EVSENotificationType), and the round the EV opens next is
published as asked by the station: the OCPP layer offers it at once, without asking the CSMS again
(K16.FR.09).

Called on the control thread (`step`, `status`) and from the event loop (`offer`): `offer` swaps
whole values, the field before the round, so a tick never pairs a round with another's periods.
"""

from __future__ import annotations

import logging

from firmware.dc import ev_link
from firmware.dc.ev_link import EvRequest
from firmware.events import EvChargingNeeds, EvChargingSchedule

log = logging.getLogger(__name__)

WAIT_S = 20.0
ISO_15118_2 = "ISO_15118_2"  # the link's protocol name (iso15118's Protocol) that knows renegotiation
CHARGING_LOOP = (ev_link.CURRENT_DEMAND, ev_link.CHARGING_STATUS)  # where an EV may be asked to renegotiate


class ScheduleRounds:
    def __init__(self, cid: int, energy_transfer: str = "DC"):
        """`energy_transfer`: what the EV's needs are reported as (OCPP 2.0.1 EnergyTransferModeEnumType:
        DC, AC_single_phase, AC_three_phase)."""
        self.cid, self.energy_transfer = cid, energy_transfer
        self._session = -1  # the link's EV session the rounds below belong to
        self._published = 0  # the last round published as EvChargingNeeds
        self._asked_at = 0.0
        self.offered = 0  # the round the EV was last offered a schedule for
        self.status: dict = {"schedule": None}  # the EV link's field, made once per offer (the tick reads it)
        self._profile_told = None

    def step(self, now: float, wall, ev: EvRequest, protocol: str | None, own_max_w, has_session: bool) -> list:
        """The events this tick brings (a new round's needs, the EV's chosen profile). `wall` (the clock
        whose date they carry) and `own_max_w()` are asked only when needed."""
        if ev.session != self._session:
            self._session, self._published, self._profile_told = ev.session, 0, None
            self.offered, self.status = 0, {"schedule": None}
        events = []
        if has_session and ev.schedule_round > self._published:
            asked = self.status.get("renegotiate") == self._published  # the station asked for this round
            by = None if self._published == 0 else ("station" if asked else "ev")
            self._published, self._asked_at = ev.schedule_round, now
            self.status = {k: v for k, v in self.status.items() if k != "renegotiate"}  # answered
            events.append(EvChargingNeeds(self.cid, protocol, ev.max_current_a, ev.max_voltage_v, ev.soc_pct,
                                          ev.schedule_round, ev.departure_s, ev.energy_request_wh, wall.now(), by,
                                          self.energy_transfer, ev.min_current_a))
        if self.offered < self._published and now - self._asked_at >= WAIT_S:
            ceiling = own_max_w()
            log.warning("connector %s: no schedule for the EV's round %s within %.0f s; offering the charger's "
                        "own %.0f W", self.cid, self._published, WAIT_S, ceiling)
            self.offer(self._published, [(0, ceiling)])
        if ev.ev_profile is not None and ev.ev_profile != self._profile_told:
            self._profile_told = ev.ev_profile
            events.append(EvChargingSchedule(self.cid, wall.now(), ev.ev_profile.entries))
        return events

    def renegotiate(self, ev: EvRequest, protocol: str | None) -> bool:
        """Ask the EV for a new round: only an ISO 15118-2 EV in its charging loop (DC: CurrentDemand, AC:
        ChargingStatus) whose last round was answered can have one (DIN SPEC 70121 has no renegotiation).
        False when there is none to ask."""
        if protocol != ISO_15118_2 or ev.stage not in CHARGING_LOOP or not self._published \
                or self.offered != self._published or ev.session != self._session:
            return False
        self.status = {**self.status, "renegotiate": self._published}
        log.info("connector %s: the charger's limits changed mid-charge; the EV is asked to renegotiate its "
                 "schedule (round %s)", self.cid, self._published + 1)
        return True

    def offer(self, round_: int, periods: list[tuple[int, float]]) -> None:
        """The schedule for the EV's round `round_`: (start s from now, max W), the first at 0."""
        if round_ == self._published:
            self.status = {"schedule": {"round": round_, "periods": [[int(s), float(w)] for s, w in periods]}}
            self.offered = round_
