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
       "clock_year_month", "clock_day_hour", "clock_minute_second", "reading_day_tariff", "software_version"]
    # Settings a meter lists in its other register function (hal.meters.registers.RegisterMap.settings).
    + ["demand_time_min", "demand_period_min", "system_type", "pulse_width_ms", "kppa", "parity_stop", "meter_id",
       "password", "baud_code", "pulse_output_mode", "meter_code"])

# The settings an Eastron SDM lists in its holding registers (float32; reaper7's SDM library and
# Tinkerforge's evse-v2-bricklet name them): minutes into the demand period, the period, relay pulse
# width (ms), parity/stop bits, meter ID, baud-rate code, pulse output mode.
EASTRON_SETTINGS = (("demand_time_min", 0x0000), ("demand_period_min", 0x0002), ("pulse_width_ms", 0x000C),
                    ("parity_stop", 0x0012), ("meter_id", 0x0014), ("baud_code", 0x001C),
                    ("pulse_output_mode", 0x0056))
# The three-phase models add system type, password lock (KPPA) and password, and their meter code.
EASTRON_3P_SETTINGS = (("system_type", 0x000A), ("kppa", 0x000E), ("password", 0x0018))


def floats(*entries: tuple[str, int] | tuple[str, int, float]) -> tuple[Field, ...]:
    """Table entries that are float32 values: (quantity, address[, factor to our unit])."""
    return typed("float32", *entries)


def typed(kind: str, *entries: tuple[str, int] | tuple[str, int, float]) -> tuple[Field, ...]:
    """Table entries of one register kind (hal.meters.registers.WORDS): (quantity, address[, factor])."""
    return tuple(Field(e[0], e[1], kind, *e[2:]) for e in entries)
