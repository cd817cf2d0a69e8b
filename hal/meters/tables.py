"""What a vendor's whole register table holds beyond what the controller reads: the quantities its
entries name (a RegisterMap's `table`), so the meter simulator can serve every listed register with
values that agree with each other (hal/mock/meter_table.py), as a real meter does for an EMS, evcc
or a Modbus scanner.
"""

from __future__ import annotations

from hal.meters.registers import Field

LINES = ("l1", "l2", "l3")
TABLE_QUANTITIES = frozenset(
    [f"{q}_{p}_{u}" for p in LINES for q, u in (("apparent", "va"), ("reactive", "var"), ("phase_angle", "deg"),
                                                ("thd_voltage", "pct"), ("thd_current", "pct"),
                                                ("energy_import", "wh"), ("energy_export", "wh"),
                                                ("energy_total", "wh"))]
    + [f"power_factor_{p}" for p in LINES]
    + [f"reactive_{q}_{p}_varh" for p in LINES for q in ("import", "export", "total")]
    + [f"{q}_t{t}_{u}" for t in (1, 2) for q, u in (("energy_import", "wh"), ("energy_export", "wh"),
                                                     ("energy_total", "wh"), ("reactive_import", "varh"),
                                                     ("reactive_export", "varh"), ("reactive_total", "varh"))]
    + ["voltage_l1_l2_v", "voltage_l2_l3_v", "voltage_l3_l1_v", "voltage_ll_avg_v", "voltage_avg_v", "current_avg_a",
       "current_sum_a", "apparent_va", "reactive_var", "phase_angle_deg", "energy_export_wh", "energy_total_wh",
       "reactive_import_varh", "reactive_export_varh", "reactive_total_varh", "power_demand_w", "power_demand_max_w",
       "thd_voltage_avg_pct", "thd_current_avg_pct", "phase_sequence"]
    # A DC meter's status and settings words (Acrel DJSF1352): listed, so a scanner reads them too.
    + ["wire_break", "temperature_c", "voltage_ratio", "rated_current_a", "io_status", "alarm_status",
       "clock_year_month", "clock_day_hour", "clock_minute_second", "reading_day_tariff", "software_version"])


def floats(*entries: tuple[str, int] | tuple[str, int, float]) -> tuple[Field, ...]:
    """Table entries that are float32 values: (quantity, address[, factor to our unit])."""
    return typed("float32", *entries)


def typed(kind: str, *entries: tuple[str, int] | tuple[str, int, float]) -> tuple[Field, ...]:
    """Table entries of one register kind (hal.meters.registers.WORDS): (quantity, address[, factor])."""
    return tuple(Field(e[0], e[1], kind, *e[2:]) for e in entries)
