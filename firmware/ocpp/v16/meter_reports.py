"""OCPP 1.6 meter reporting: periodic and clock-aligned MeterValues, and the
transactionData that StopTransaction carries.

- Sample.Periodic: MeterValuesSampledData every MeterValueSampleInterval
  seconds of a running transaction (0 = off), with its transactionId.
- Sample.Clock: MeterValuesAlignedData at every ClockAlignedDataInterval
  boundary counted from midnight UTC (0 = off), for every meter (connector 0 =
  the site meter, location Inlet), with the transactionId where one runs; the
  timestamp is the boundary itself.
- transactionData: StopTxnSampledData at Transaction.Begin, at each periodic
  sample and at Transaction.End, plus StopTxnAlignedData at each boundary,
  and a signing meter's OCMF records (format SignedData): its signed begin
  reading at Transaction.Begin when it gives one, its record of the session at
  Transaction.End.

Only fresh readings are reported: a stale value is skipped, never resent as new.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from firmware.clock import at_each_boundary, iso
from firmware.ocpp.v16.meter_values import sampled_values

def signed_value(signed, context: str) -> dict:
    """A signing meter's record as a SignedData value; its public key is MeterPublicKey<connector>."""
    return {"value": signed.data, "context": context, "format": "SignedData",
            "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "Wh"}


TX_DATA_MAX = 100  # meterValue entries kept per transaction: Begin, the latest samples, End


class MeterReports:
    def __init__(self, keys, metering, outbox, wall, journal, store, own=lambda cid: None):
        self.keys = keys
        self.metering = metering
        self.outbox = outbox
        self.wall = wall
        self.journal = journal  # each value sent moves its session's "last known alive" along
        self.store = store
        self.own = own  # connector -> what it knows itself (Station.own_values), or None (the site meter)
        self.active: dict[int, object] = {}  # connector -> session being reported
        self._last_sample: dict[str, float] = {}
        self._tx_data: dict[str, list[dict]] = {}

    # ---- transaction lifecycle ------------------------------------------
    def begin(self, session, reading) -> None:
        self.active[session.connector_id] = session
        self._last_sample[session.local_id] = self.wall.monotonic()
        self._tx_data[session.local_id] = []
        self._record(session, reading, "Transaction.Begin", session.started_at)
        if session.signed_begin is not None:
            self._tx_data[session.local_id].append({"timestamp": iso(session.started_at),
                                                    "sampledValue": [signed_value(session.signed_begin,
                                                                                  "Transaction.Begin")]})

    def end(self, session, reading) -> list[dict]:
        self.active.pop(session.connector_id, None)
        self._last_sample.pop(session.local_id, None)
        self._record(session, reading, "Transaction.End", session.ended_at)
        data = self._tx_data.pop(session.local_id, [])
        if session.signed is not None:  # the meter's record, as it signed it (OCMF "Embedding in OCPP")
            data.append({"timestamp": iso(session.ended_at),
                         "sampledValue": [signed_value(session.signed, "Transaction.End")]})
        return data

    def _record(self, session, reading, context, at, key="StopTxnSampledData") -> None:
        data = self._tx_data.get(session.local_id)
        if data is None or reading is None:
            return
        values = sampled_values(reading, self.keys.get_csl(key), context, own=self.own(session.connector_id))
        if values:
            data.append({"timestamp": iso(at), "sampledValue": values})
            if len(data) > TX_DATA_MAX:
                del data[1]  # keep Transaction.Begin, drop the oldest sample after it

    # ---- periodic samples -----------------------------------------------
    async def sample_loop(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            interval = self.keys.get_int("MeterValueSampleInterval")
            if interval > 0:
                self._sample_due(interval)

    def _sample_due(self, interval: int) -> None:
        for cid, session in list(self.active.items()):
            if session.ended_at is not None:
                continue  # ended on the control thread; its stop values are being read
            if self.wall.monotonic() - self._last_sample.get(session.local_id, 0.0) < interval:
                continue
            reading = self.metering.fresh(cid)
            if reading is None:
                continue  # never a stale value as a current sample
            self._last_sample[session.local_id] = self.wall.monotonic()
            now = self.wall.now()
            values = sampled_values(reading, self.keys.get_csl("MeterValuesSampledData"), "Sample.Periodic",
                                    own=self.own(cid))
            self._push(cid, session, now, values, reading)
            self._record(session, reading, "Sample.Periodic", now)

    # ---- clock-aligned samples ------------------------------------------
    async def aligned_loop(self) -> None:
        await at_each_boundary(lambda: self.keys.get_int("ClockAlignedDataInterval"), self.wall, self._aligned)

    def _aligned(self, boundary: datetime) -> None:
        for cid in self.metering.latest:
            reading = self.metering.fresh(cid)
            if reading is None:
                continue
            location = "Inlet" if cid == 0 else "Outlet"
            values = sampled_values(reading, self.keys.get_csl("MeterValuesAlignedData"), "Sample.Clock", location,
                                    self.own(cid))
            session = self.active.get(cid)
            if session is not None and session.ended_at is not None:
                session = None  # past its end: a plain clock-aligned value, not the transaction's
            self._push(cid, session, boundary, values, reading)
            if session is not None:
                self._record(session, reading, "Sample.Clock", boundary, key="StopTxnAlignedData")

    def triggered(self, cid: int) -> bool:
        """TriggerMessage MeterValues: the latest fresh reading, context Trigger; False when there is none."""
        reading = self.metering.fresh(cid)
        if reading is None:
            return False
        session = self.active.get(cid)
        if session is not None and session.ended_at is not None:
            session = None
        self._push(cid, session, self.wall.now(),
                   sampled_values(reading, self.keys.get_csl("MeterValuesSampledData"), "Trigger",
                                  own=self.own(cid)), reading)
        return True

    def _push(self, cid, session, at: datetime, values: list[dict], reading) -> None:
        if not values:
            return
        with self.store.transaction():
            self.outbox.push("MeterValues", {
                "connectorId": cid,
                "meterValue": [{"timestamp": iso(at), "sampledValue": values}],
            }, None if session is None else session.local_id)
            if session is not None:
                self.journal.touch(session.local_id, at, reading.energy_wh)
