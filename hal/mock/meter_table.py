"""A simulated meter's whole register table: every quantity a vendor's table lists
(hal.meters.tables), worked out from the simulated flow so that the values agree as a real meter's
do: totals are the sums of the phases, averages their means, import + export the total energy, the
phases' energies sum to the meter's register. A resistive load: power factor 1, no reactive power,
no phase angle, a clean sine (THD 0); line-to-line voltages are the phase voltages x sqrt(3); all
energy counted in tariff 1.
"""

from __future__ import annotations

import functools
import math
import time

LINES = ("l1", "l2", "l3")


def table_values(meter, base: dict) -> dict:
    """`base`: the meter's core values (SimMeter.values); adds every table quantity."""
    lines = LINES[: meter.regmap.phases]
    volts = [base[f"voltage_{p}_v"] for p in lines]
    amps = [base[f"current_{p}_a"] for p in lines]
    v = dict(base)
    for i, p in enumerate(lines):
        v[f"apparent_{p}_va"] = volts[i] * amps[i]
        v[f"reactive_{p}_var"] = 0.0
        v[f"power_factor_{p}"] = 1.0 if amps[i] else 0.0
        v[f"phase_angle_{p}_deg"] = 0.0
        v[f"thd_voltage_{p}_pct"] = v[f"thd_current_{p}_pct"] = 0.0
        v[f"energy_import_{p}_wh"] = meter.phase_energy_wh[i]
        v[f"energy_export_{p}_wh"] = 0.0
        v[f"energy_total_{p}_wh"] = meter.phase_energy_wh[i]
        for q in ("import", "export", "total"):
            v[f"reactive_{q}_{p}_varh"] = 0.0
    for a, b in (("l1", "l2"), ("l2", "l3"), ("l3", "l1")):
        v[f"voltage_{a}_{b}_v"] = volts[0] * math.sqrt(3) if len(lines) == 3 else 0.0
    v.update(voltage_avg_v=sum(volts) / len(volts), current_sum_a=sum(amps), current_avg_a=sum(amps) / len(amps),
             voltage_ll_avg_v=v["voltage_l1_l2_v"], apparent_va=sum(v[f"apparent_{p}_va"] for p in lines),
             reactive_var=0.0, phase_angle_deg=0.0, energy_export_wh=0.0, energy_total_wh=base["energy_import_wh"],
             reactive_import_varh=0.0, reactive_export_varh=0.0, reactive_total_varh=0.0, thd_voltage_avg_pct=0.0,
             thd_current_avg_pct=0.0, power_demand_w=base["power_w"], power_demand_max_w=max(meter.peak_w, base["power_w"]))
    v.update(_status_words())
    v.update(_settings(meter))
    # Tariffs: the simulated meter stays in tariff 1, so tariff 2 counts nothing.
    for q in ("energy_import", "energy_export", "energy_total", "reactive_import", "reactive_export",
              "reactive_total"):
        unit = "wh" if q.startswith("energy") else "varh"
        v[f"{q}_t1_{unit}"] = v[f"{q}_{unit}"]
        v[f"{q}_t2_{unit}"] = 0.0
    return v


def _status_words() -> dict:
    """The words a table lists besides measurements: phases in order (0: L1-L2-L3), and a DC
    meter's wire-break flag (0: wires whole), temperature, voltage ratio, a 200 A shunt, I/O and
    alarm words, and its clock as byte pairs (year-month, day-hour, minute-second; UTC),
    meter-reading day 1 in tariff 1."""
    now = time.gmtime()
    return {"phase_sequence": 0, "wire_break": 0, "temperature_c": 25.0, "voltage_ratio": 1,
            "rated_current_a": 200, "io_status": 0, "alarm_status": 0,
            "clock_year_month": (now.tm_year % 100) << 8 | now.tm_mon,
            "clock_day_hour": now.tm_mday << 8 | now.tm_hour,
            "clock_minute_second": now.tm_min << 8 | now.tm_sec, "reading_day_tariff": 1 << 8 | 1,
            "software_version": 0x0103}


# An Eastron's meter code (holding 0xFC02), as Tinkerforge's bricklet tells the models apart.
METER_CODES = {"sdm630": 0x0070, "sdm72d": 0x0089}


def _settings(meter) -> dict:
    """Factory settings, as a scanner finds them: a 60-minute demand period (full), 100 ms pulses,
    no parity and one stop bit, 9600 baud (code 2), pulse output counting export (4), 3-phase
    4-wire (3), password 1000 unlocked."""
    return {"demand_time_min": 60.0, "demand_period_min": 60.0, "pulse_width_ms": 100.0, "parity_stop": 0.0,
            "meter_id": float(meter.address), "baud_code": 2.0, "pulse_output_mode": 4.0,
            "system_type": 3.0 if meter.regmap.phases == 3 else 1.0, "kppa": 0.0, "password": 1000.0,
            "meter_code": METER_CODES.get(meter.regmap.model, 0)}


def unlisted(meter, function: str, address: int, count: int) -> bool:
    """A request that touches a register the vendor does not list, for a map with a whole table whose
    meter refuses one (RegisterMap.unlisted_word)."""
    if not meter.regmap.table or meter.regmap.unlisted_word is not None:
        return False
    if meter.signer is not None and function == meter.signer.function:  # the signer answers its block
        return not meter.signer.serves(address, count)
    return not set(range(address, address + count)) <= _listed(meter.regmap, function)


@functools.cache
def _listed(regmap, function: str) -> frozenset[int]:
    """A map's listed registers, worked out once rather than at every request."""
    return frozenset(regmap.documented(function))
