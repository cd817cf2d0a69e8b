"""OCPP 2.0.1 K11-K13: the CSMS hears about limits it did not set.

The offer of each EVSE and the limits behind it are the connector's own record
(firmware.core.limits, the same the page and the bench show). When the lowest
limit is a local one (the site's share of the supply or the grid meter: EMS;
temperature derating or a hold: Other) and it differs from the last one
reported by more than SmartChargingCtrlr.LimitChangeSignificance percent (or
its source changed), NotifyChargingLimit says so, at most once every
MIN_INTERVAL_S per EVSE however often the headroom moves; when the CSMS's own
schedule or the board is the limit again, ClearedChargingLimit ends it.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)

SOURCE_201 = {"site_share": "EMS", "temperature": "Other", "hold": "Other"}
MIN_INTERVAL_S = 5.0
LOOK_S = 1.0


class ChargingLimits:
    def __init__(self, station, outbox, significance_pct, clock):
        self.station = station
        self.outbox = outbox
        self.significance_pct = significance_pct  # callable: SmartChargingCtrlr.LimitChangeSignificance
        self.clock = clock
        self.reported: dict[int, tuple[str, float]] = {}  # evse -> (2.0.1 source, amps) last told
        self.sent_at: dict[int, float] = {}

    async def run(self) -> None:
        while True:
            await asyncio.sleep(LOOK_S)
            for cid, connector in sorted(self.station.connectors.items()):
                self.look(cid, connector.limit_sources)

    def look(self, cid: int, sources) -> None:
        if not sources:
            return
        lowest = min(sources, key=lambda s: s.limit_a)
        local = SOURCE_201.get(lowest.source)
        before = self.reported.get(cid)
        now = self.clock.monotonic()
        if now - self.sent_at.get(cid, -MIN_INTERVAL_S) < MIN_INTERVAL_S:
            return
        if local is None:
            if before is not None:
                self.outbox.push("ClearedChargingLimit", {"chargingLimitSource": before[0], "evseId": cid}, None)
                log.info("EVSE %s: the %s limit is gone (ClearedChargingLimit)", cid, before[0])
                del self.reported[cid]
                self.sent_at[cid] = now
            return
        if before is not None and before[0] == local and not self._significant(before[1], lowest.limit_a):
            return
        self.outbox.push("NotifyChargingLimit", {
            "chargingLimit": {"chargingLimitSource": local}, "evseId": cid,
            "chargingSchedule": [{"id": cid, "chargingRateUnit": "A",
                                  "chargingSchedulePeriod": [{"startPeriod": 0, "limit": round(lowest.limit_a, 1)}]}]},
            None)
        log.info("EVSE %s: limited to %.1f A by %s (%s): NotifyChargingLimit %s", cid, lowest.limit_a, lowest.source,
                 lowest.detail, local)
        self.reported[cid] = (local, lowest.limit_a)
        self.sent_at[cid] = now

    def _significant(self, before: float, now: float) -> bool:
        if before <= 0:
            return now > 0
        return abs(now - before) / before * 100.0 > self.significance_pct()
