"""Meter values taken during a 2.0.1 transaction (J02, J01): sampled Updated events every
SampledDataCtrlr.TxUpdatedInterval, and what the Ended event carries: values taken every
SampledDataCtrlr.TxEndedInterval (context Sample.Periodic) and at every
AlignedDataCtrlr.TxEndedInterval boundary after midnight UTC (Sample.Clock).

Values for the Ended event are kept in SQLite as they are taken (a restart keeps
them), at most MAX_KEPT per transaction, and handed over once when it ends. All
intervals are looked at four times a second, so a new setting applies at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

from firmware.clock import iso

log = logging.getLogger(__name__)

SCHEMA = "CREATE TABLE IF NOT EXISTS tx_ended_values201 (key TEXT NOT NULL, meter_value TEXT NOT NULL)"
MAX_KEPT = 2000


class EndedValues:
    def __init__(self, store):
        self._store = store
        self._db = store.db
        store.ensure(SCHEMA)

    def record(self, key: str, at, values: list[dict]) -> None:
        count = self._db.execute("SELECT COUNT(*) FROM tx_ended_values201 WHERE key = ?", (key,)).fetchone()[0]
        if count >= MAX_KEPT:
            if count == MAX_KEPT:
                log.warning("transaction %s: %s values kept for its end; no more", key, MAX_KEPT)
            return
        with self._store.transaction():
            self._db.execute("INSERT INTO tx_ended_values201 VALUES (?, ?)",
                             (key, json.dumps({"timestamp": iso(at), "sampledValue": values})))

    def take(self, key: str) -> list[dict]:
        """The values kept for this transaction's end, oldest first; gone from the store once taken
        (call it in the transaction that queues the Ended event)."""
        rows = self._db.execute("SELECT meter_value FROM tx_ended_values201 WHERE key = ? ORDER BY rowid",
                                (key,)).fetchall()
        self._db.execute("DELETE FROM tx_ended_values201 WHERE key = ?", (key,))
        return [json.loads(r[0]) for r in rows]


class TxSampling:
    def __init__(self, *, model, wall, metering, running, transactions, values, ended: EndedValues, signed):
        self.model = model
        self.wall = wall
        self.metering = metering
        self.running = running  # () -> {evse: key} of the transactions running
        self.transactions = transactions
        self.values = values  # (evse, reading, context, measurands) -> sampledValue items
        self.ended = ended
        self.signed = signed  # firmware.ocpp.v201.signed_readings.SignedReadings
        self._last: dict[tuple[str, str], float] = {}  # (kind, key) -> monotonic time of the last sample
        self._slot: dict[str, int] = {}  # key -> the aligned TxEnded interval it was last sampled in

    def _int(self, component: str, name: str) -> int:
        return int(self.model.read(component, name))

    def _list(self, component: str, name: str) -> list[str]:
        return [m for m in self.model.read(component, name).split(",") if m]

    async def run(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            self.tick()

    def tick(self) -> None:
        running = self.running()
        keys = set(running.values())
        self._last = {k: v for k, v in self._last.items() if k[1] in keys}
        self._slot = {k: v for k, v in self._slot.items() if k in keys}
        for cid, key in running.items():
            self._periodic(cid, key, "updated", self._int("SampledDataCtrlr", "TxUpdatedInterval"))
            self._periodic(cid, key, "ended", self._int("SampledDataCtrlr", "TxEndedInterval"))
            self._aligned_for_end(cid, key)

    def _due(self, kind: str, key: str, interval: int) -> bool:
        since = self._last.setdefault((kind, key), self.wall.monotonic())
        if interval <= 0 or self.wall.monotonic() - since < interval:
            return False
        self._last[(kind, key)] = self.wall.monotonic()
        return True

    def _periodic(self, cid: int, key: str, kind: str, interval: int) -> None:
        if not self._due(kind, key, interval):
            return
        reading = self.metering.fresh(cid)
        if reading is None:
            return  # never a stale value as a current sample
        now = self.wall.now()
        if kind == "updated":
            values = self.values(cid, reading, "Sample.Periodic", self._list("SampledDataCtrlr", "TxUpdatedMeasurands"))

            def updated(values: list[dict]) -> None:
                self.transactions.event("Updated", key, cid, "MeterValuePeriodic", now, None,
                                        {"meterValue": [{"timestamp": iso(now), "sampledValue": values}]})

            self.signed.send("SampledDataCtrlr", cid, key, values, "Sample.Periodic", updated)
            return
        values = self.values(cid, reading, "Sample.Periodic", self._list("SampledDataCtrlr", "TxEndedMeasurands"))
        if values:
            self.ended.record(key, now, values)

    def _aligned_for_end(self, cid: int, key: str) -> None:
        interval = self._int("AlignedDataCtrlr", "TxEndedInterval")
        if interval <= 0:
            return
        now = self.wall.now()
        seconds = now.hour * 3600 + now.minute * 60 + now.second
        slot = seconds // interval
        if self._slot.setdefault(key, slot) == slot:
            return  # the first look at a transaction only notes where it is
        self._slot[key] = slot
        reading = self.metering.fresh(cid)
        values = self.values(cid, reading, "Sample.Clock", self._list("AlignedDataCtrlr", "TxEndedMeasurands"))
        if values:
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            self.ended.record(key, midnight + timedelta(seconds=slot * interval), values)
