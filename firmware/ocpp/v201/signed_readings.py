"""Signed meter values during a transaction (J01, J02; TC_J_04, TC_J_11): with
SampledDataCtrlr.SignReadings (periodic values) or AlignedDataCtrlr.SignReadings (clock-aligned
ones) true, the EVSE's signing meter signs the reading, and the energy value carries it as a
signedMeterValue; the public key rides along when PublicKeyWithSignedMeterValue is
EveryMeterValue. The meter answers over its bus, so the event is sent once it has; a meter that
cannot sign during a transaction (the LEM) leaves the values unsigned."""

from __future__ import annotations

from collections.abc import Callable

from firmware.ocpp.v201.meter_values import with_signed
from firmware.tasks import Tasks


class SignedReadings:
    def __init__(self, model, metering):
        self.model = model
        self.metering = metering
        self.tasks = Tasks()

    def send(self, component: str, cid: int, key: str, values: list[dict], context: str,
             send: Callable[[list[dict]], None]) -> None:
        """`send(values)` now, or once the meter has signed the reading when `component` asks for it."""
        if not values or self.model.read(component, "SignReadings") != "true" or not self.metering.signs(cid):
            send(values)
            return
        self.tasks.spawn(self._signed_then(cid, key, values, context, send), f"signed reading on EVSE {cid}")

    async def _signed_then(self, cid, key, values, context, send) -> None:
        signed = await self.metering.sign_reading(cid, key)
        if signed is not None:
            every = self.model.read("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue") == "EveryMeterValue"
            values = with_signed(values, signed, None, context, every)
        send(values)
