"""A meter reading -> OCPP 2.0.1 SampledValueType items: the measurands, phases and contexts are
the ones 1.6 knows; the value is a number and the unit an UnitOfMeasureType."""

from __future__ import annotations

from firmware.ocpp.v16.meter_values import sampled_values


def sampled_values_201(reading, measurands: list[str], context: str, location: str = "Outlet",
                       own: dict[str, tuple[float, str]] | None = None) -> list[dict]:
    out = []
    for sv in sampled_values(reading, measurands, context, location, own):
        item = {"value": float(sv["value"]), "context": sv["context"], "measurand": sv["measurand"],
                "location": sv["location"]}
        if "phase" in sv:
            item["phase"] = sv["phase"]
        if "unit" in sv:
            item["unitOfMeasure"] = {"unit": sv["unit"]}
        out.append(item)
    return out
