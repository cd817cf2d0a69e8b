"""Clock-aligned meter values in OCPP 2.0.1 (J01): every AlignedDataCtrlr.Interval seconds after
midnight UTC, the AlignedDataCtrlr.Measurands of each EVSE.

An EVSE in a transaction reports them in a TransactionEvent Updated (triggerReason
MeterValueClock, through the transaction lane); an idle EVSE in MeterValues
(through the notification lane): both written before they are sent, context
Sample.Clock, timestamped at the boundary. Interval 0 sends none.
"""

from __future__ import annotations


from firmware.clock import at_each_boundary, iso


class ClockAligned201:
    def __init__(self, *, policy, wall, metering, evses, running, transactions, outbox, values, signed):
        self.policy = policy
        self.wall = wall
        self.metering = metering
        self.evses = evses  # () -> the EVSE ids
        self.running = running  # (evse) -> the key of its running transaction, or None
        self.transactions = transactions
        self.outbox = outbox
        self.values = values  # (evse, reading, context, measurands) -> sampledValue items
        self.signed = signed  # firmware.ocpp.v201.signed_readings.SignedReadings: a transaction's values signed

    async def run(self) -> None:
        await at_each_boundary(self.policy.aligned_interval_s, self.wall, self.report)

    def report(self, boundary) -> None:
        for evse in self.evses():
            reading = self.metering.fresh(evse)
            values = self.values(evse, reading, "Sample.Clock", self.policy.aligned_measurands())
            if not values:
                continue  # never a stale value as a clock-aligned one
            key = self.running(evse)
            if key is not None:
                self.signed.send("AlignedDataCtrlr", evse, key, values, "Sample.Clock",
                                 self._updated(key, evse, boundary))
            else:
                meter_value = [{"timestamp": iso(boundary), "sampledValue": values}]
                self.outbox.push("MeterValues", {"evseId": evse, "meterValue": meter_value}, None)

    def _updated(self, key: str, evse: int, boundary):
        """What sends a transaction's clock-aligned values, signed or not."""
        def send(values: list[dict]) -> None:
            self.transactions.event("Updated", key, evse, "MeterValueClock", boundary, None,
                                    {"meterValue": [{"timestamp": iso(boundary), "sampledValue": values}]})
        return send
