"""ISO 15118 smart charging with the CSMS (OCPP 2.0.1 K15): the EV's needs go to the CSMS, which
may answer with a TxProfile; the EV is offered the connector's composite schedule once that profile
came, or at once when the CSMS declines or is unreachable. The profile the EV then chooses goes to
the CSMS as NotifyEVChargingSchedule. A profile that changes mid-charge changes what the power path
delivers; the EV is not asked to renegotiate its schedule (K16: not yet, docs/dc.md).

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
        needs = charging_needs(event)
        answer = await self.ask(call.NotifyEVChargingNeeds(evse_id=cid, charging_needs=needs["chargingNeeds"]))
        status = getattr(answer, "status", None)
        if status in WAITS_FOR_PROFILE:
            log.info("EVSE %s: the CSMS answered the EV's needs %s; its schedule waits for a TxProfile", cid, status)
            self.waiting[cid] = event.round
            return
        log.info("EVSE %s: %s; the EV is offered the charger's own schedule", cid,
                 "the CSMS is unreachable" if status is None else f"the CSMS answered the EV's needs {status}")
        self.offer(cid, event.round)

    def profile_set(self, evse_id: int) -> None:
        """A TxProfile (or TxDefaultProfile) was accepted on `evse_id`: the schedule an EV waits for."""
        if evse_id in self.waiting:
            self.offer(evse_id, self.waiting.pop(evse_id))

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
