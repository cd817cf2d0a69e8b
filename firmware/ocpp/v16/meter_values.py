"""A meter reading -> OCPP 1.6 SampledValue list for the configured measurands."""

from __future__ import annotations

from hal.types import MeterReading

PHASES = ("L1", "L2", "L3")
# What the charger knows itself, not what the meter measures (firmware.station.Station.own_values).
OWN = ("Current.Offered", "Power.Offered", "SoC")


def sampled_values(reading: MeterReading, measurands: list[str], context: str, location: str = "Outlet",
                   own: dict[str, tuple[float, str]] | None = None) -> list[dict]:
    """SampledValues of every configured measurand the meter has, per phase where it has phases.

    `own` holds what the connector knows itself, {measurand: (value, unit)}: the current and power it
    offers the EV now, and the EV's state of charge when the EV tells it (DC)."""
    values: list[dict] = []
    for measurand in measurands:
        if measurand in OWN:
            if own is not None and measurand in own:
                value, unit = own[measurand]
                sv = _sv(value, measurand, unit, context)
                if measurand == "SoC":
                    sv["location"] = "EV"  # OCPP 1.6 section 7.29: the EV's battery, not our outlet
                values.append(sv)
            continue
        values.extend(_one(reading, measurand, context))
    for sv in values:
        sv.setdefault("location", location)
    return values


def _sv(value: float, measurand: str, unit: str | None, context: str, phase: str | None = None, digits: int = 1) -> dict:
    sv = {
        "value": f"{value:.{digits}f}",
        "context": context,
        "format": "Raw",
        "measurand": measurand,
    }
    if unit:
        sv["unit"] = unit
    if phase:
        sv["phase"] = phase
    return sv


def _one(reading: MeterReading, measurand: str, context: str) -> list[dict]:
    if measurand == "Energy.Active.Import.Register":
        return [_sv(round(reading.energy_wh), measurand, "Wh", context, digits=0)]
    if reading.dc and measurand in ("Current.Import", "Voltage"):  # DC: one value, no phase
        return [_sv((reading.currents_a if measurand == "Current.Import" else reading.voltages_v)[0], measurand,
                    "A" if measurand == "Current.Import" else "V", context)] if reading.currents_a else []
    if measurand == "Power.Active.Import":
        total = [_sv(reading.power_w, measurand, "W", context)]
        return total + [_sv(w, measurand, "W", context, PHASES[i]) for i, w in enumerate(reading.phase_powers_w)]
    if measurand == "Current.Import":
        return [_sv(a, measurand, "A", context, PHASES[i]) for i, a in enumerate(reading.currents_a)]
    if measurand == "Voltage":
        return [_sv(v, measurand, "V", context, f"{PHASES[i]}-N") for i, v in enumerate(reading.voltages_v)]
    if measurand == "Power.Factor" and reading.power_factor is not None:
        return [_sv(reading.power_factor, measurand, None, context, digits=3)]
    if measurand == "Frequency" and reading.frequency_hz is not None:
        return [_sv(reading.frequency_hz, measurand, None, context)]  # 1.6 has no unit for Hz
    return []
