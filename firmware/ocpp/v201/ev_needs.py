"""What the EV asked for (firmware.events.EvChargingNeeds) in OCPP 2.0.1's words: NotifyEVChargingNeeds
(K15, ISO 15118 smart charging: the CSMS learns the EV's limits and state of charge and may answer
with a charging profile)."""

from __future__ import annotations

from datetime import timedelta

from firmware.clock import iso
from firmware.events import EvChargingNeeds


def charging_needs(event: EvChargingNeeds) -> dict:
    """The request's payload. DC_extended is what DIN SPEC 70121 and ISO 15118-2 DC sessions agree on;
    an EV that did not say its maximum current or voltage is reported with 0 (the schema requires both).
    Its energy request and departure time go along when it gave them (K15.FR.02). An ISO 15118-2 AC EV's
    AC_EVChargeParameter goes as acChargingParameters, where every field is required (0 when unsaid)."""
    if event.energy_transfer != "DC":
        return _needs(event, "acChargingParameters", {
            "energyAmount": round(max(0.0, event.energy_request_wh or 0.0)),
            "evMinCurrent": round(event.min_current_a or 0.0), "evMaxCurrent": round(event.max_current_a or 0.0),
            "evMaxVoltage": round(event.max_voltage_v or 0.0)})
    dc = {"evMaxCurrent": round(event.max_current_a or 0.0), "evMaxVoltage": round(event.max_voltage_v or 0.0)}
    if event.soc_pct is not None:
        dc["stateOfCharge"] = max(0, min(100, round(event.soc_pct)))
    if event.energy_request_wh is not None and event.energy_request_wh >= 0:
        dc["energyAmount"] = round(event.energy_request_wh)
    return _needs(event, "dcChargingParameters", dc)


def _needs(event: EvChargingNeeds, key: str, parameters: dict) -> dict:
    needs = {"requestedEnergyTransfer": event.energy_transfer, key: parameters}
    if event.departure_s and event.asked_at is not None:
        needs["departureTime"] = iso(event.asked_at + timedelta(seconds=event.departure_s))
    return {"evseId": event.connector_id, "chargingNeeds": needs}
