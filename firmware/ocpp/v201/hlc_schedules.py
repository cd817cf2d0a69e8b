"""ISO 15118 smart charging with the CSMS (OCPP 2.0.1 K15): the EV's needs go to the CSMS, which
may answer with a TxProfile; the EV is offered the connector's composite schedule once that profile
came, or at once when the CSMS declines or is unreachable. The profile the EV then chooses goes to
the CSMS as NotifyEVChargingSchedule. A renegotiation the EV begins is a round like the first (K17);
a profile that changes mid-charge changes what the power path delivers at once and asks the EV to
renegotiate (K16), and that round is offered the new schedule without asking the CSMS (K16.FR.09).

The waiting itself is the DC connector's (firmware.dc.schedule_rounds): a round this never answers
gets the charger's own ceiling after its timeout.
"""

from __future__ import annotations

import logging

from ocpp.v201 import call

from firmware.clock import iso
from firmware.events import EvChargingNeeds, EvChargingSchedule
from firmware.ocpp.v201.ev_needs import charging_needs

log = logging.getLogger(__name__)

WAITS_FOR_PROFILE = ("Accepted", "Processing")  # NotifyEVChargingNeedsStatusEnumType


class HlcSchedules:
    def __init__(self, station, periods, outbox, ask):
        """`periods(evse_id)`: the schedule to offer, [(start s from now, max W)]
        (firmware.ocpp.schedules.power_periods); `ask(request)`: an `ocpp` call to the CSMS now, its
        answer, or None when offline or unanswered."""
        self.station, self.periods, self.outbox, self.ask = station, periods, outbox, ask
        self.waiting: dict[int, int] = {}  # EVSE -> the EV's round that waits for the CSMS's TxProfile

    async def needs(self, event: EvChargingNeeds) -> None:
        cid = event.connector_id
        if event.renegotiation == "station":
            log.info("EVSE %s: the EV renegotiates as asked; it is offered the new schedule", cid)
            self.offer(cid, event.round)
            return
        needs = charging_needs(event)
        self.waiting[cid] = event.round  # from now: a CSMS may send its TxProfile before its answer arrives here
        answer = await self.ask(call.NotifyEVChargingNeeds(evse_id=cid, charging_needs=needs["chargingNeeds"]))
        status = getattr(answer, "status", None)
        if self.waiting.get(cid) != event.round:
            log.info("EVSE %s: the CSMS's TxProfile came with its answer to the EV's needs (%s)", cid, status)
            return
        if status in WAITS_FOR_PROFILE:
            log.info("EVSE %s: the CSMS answered the EV's needs %s; its schedule waits for a TxProfile", cid, status)
            return
        log.info("EVSE %s: %s; the EV is offered the charger's own schedule", cid,
                 "the CSMS is unreachable" if status is None else f"the CSMS answered the EV's needs {status}")
        self.offer(cid, event.round)

    def profile_set(self, evse_id: int) -> None:
        """A TxProfile (or TxDefaultProfile) was accepted on `evse_id` (0: every EVSE): the schedule an EV
        waits for. An EV already charging is asked to renegotiate by the profile store itself (K16)."""
        for cid in [c for c in self.waiting if evse_id in (0, c)]:
            self.offer(cid, self.waiting.pop(cid))

    def offer(self, cid: int, round_: int) -> None:
        self.waiting.pop(cid, None)
        self.station.connector(cid).offer_schedule(round_, self.periods(cid))

    def chosen(self, event: EvChargingSchedule) -> None:
        """K15.FR.08 (NotifyEVChargingSchedule): the EV's profile, durably (the outbox sends it when it can)."""
        self.outbox.push("NotifyEVChargingSchedule", {
            "timeBase": iso(event.at), "evseId": event.connector_id,
            "chargingSchedule": {"id": int(event.at.timestamp()) % 2**31, "chargingRateUnit": "W",
                                 "chargingSchedulePeriod": [
                {"startPeriod": start, "limit": round(watts, 1)} for start, watts in event.entries]}}, None)
