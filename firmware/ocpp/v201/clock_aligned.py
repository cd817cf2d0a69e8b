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
    def __init__(self, *, policy, wall, metering, evses, running, transactions, outbox, values):
        self.policy = policy
        self.wall = wall
        self.metering = metering
        self.evses = evses  # () -> the EVSE ids
        self.running = running  # (evse) -> the key of its running transaction, or None
        self.transactions = transactions
        self.outbox = outbox
        self.values = values  # (evse, reading, context, measurands) -> sampledValue items

    async def run(self) -> None:
        await at_each_boundary(self.policy.aligned_interval_s, self.wall, self.report)

    def report(self, boundary) -> None:
        for evse in self.evses():
            reading = self.metering.fresh(evse)
            values = self.values(evse, reading, "Sample.Clock", self.policy.aligned_measurands())
            if not values:
                continue  # never a stale value as a clock-aligned one
            meter_value = [{"timestamp": iso(boundary), "sampledValue": values}]
            key = self.running(evse)
            if key is not None:
                self.transactions.event("Updated", key, evse, "MeterValueClock", boundary, None,
                                        {"meterValue": meter_value})
            else:
                self.outbox.push("MeterValues", {"evseId": evse, "meterValue": meter_value}, None)
