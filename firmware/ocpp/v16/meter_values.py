"""A meter reading -> OCPP 1.6 SampledValue list for the configured measurands."""

from __future__ import annotations

from hal.types import MeterReading

PHASES = ("L1", "L2", "L3")
OFFERED = {"Current.Offered": 0, "Power.Offered": 1}


def sampled_values(reading: MeterReading, measurands: list[str], context: str, location: str = "Outlet",
                   offered: tuple[float, float] | None = None) -> list[dict]:
    """SampledValues of every configured measurand the meter has, per phase where it has phases.

    `offered` is (amps, watts) the connector offers the EV now: Current.Offered and Power.Offered
    are what we know ourselves, not what the meter measures.
    """
    values: list[dict] = []
    for measurand in measurands:
        if measurand in OFFERED and offered is not None:
            values.append(_sv(offered[OFFERED[measurand]], measurand, ("A", "W")[OFFERED[measurand]], context))
            continue
        values.extend(_one(reading, measurand, context))
    for sv in values:
        sv["location"] = location
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
