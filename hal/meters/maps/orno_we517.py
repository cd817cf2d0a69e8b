"""Orno OR-WE-517 (3-phase, MID).

Holding registers (FC 03), IEEE 754 float32, high word first, in the vendor's register list as the
public open-source drivers of the meter read it (Tasmota's WE517 driver, ya-modbus's OR-WE-51x): the
phase voltages from 0x000E, frequency 0x0014, phase currents from 0x0016, total active power 0x001C
and per phase from 0x001E in kW, total power factor 0x0034, and the energy counters from 0x0100 in
kWh, of which forward (imported) active energy is 0x0108. Factory line settings: 9600 baud, 8E1.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import floats

K = 1000.0  # kW, kvar, kVA, kWh, kvarh
# The rest of the register list, as volkszaehler/mbmd's WE-516/WE-517 producer names it.
TABLE = floats(
    ("reactive_var", 0x0024, K), ("reactive_l1_var", 0x0026, K), ("reactive_l2_var", 0x0028, K),
    ("reactive_l3_var", 0x002A, K), ("apparent_va", 0x002C, K), ("apparent_l1_va", 0x002E, K),
    ("apparent_l2_va", 0x0030, K), ("apparent_l3_va", 0x0032, K),
    ("power_factor_l1", 0x0036), ("power_factor_l2", 0x0038), ("power_factor_l3", 0x003A),
    ("energy_total_wh", 0x0100, K), ("energy_total_l1_wh", 0x0102, K), ("energy_total_l2_wh", 0x0104, K),
    ("energy_total_l3_wh", 0x0106, K),
    ("energy_import_l1_wh", 0x010A, K), ("energy_import_l2_wh", 0x010C, K), ("energy_import_l3_wh", 0x010E, K),
    ("energy_export_wh", 0x0110, K), ("energy_export_l1_wh", 0x0112, K), ("energy_export_l2_wh", 0x0114, K),
    ("energy_export_l3_wh", 0x0116, K),
    ("reactive_total_varh", 0x0118, K), ("reactive_total_l1_varh", 0x011A, K),
    ("reactive_total_l2_varh", 0x011C, K), ("reactive_total_l3_varh", 0x011E, K),
    ("reactive_import_varh", 0x0120, K), ("reactive_import_l1_varh", 0x0122, K),
    ("reactive_import_l2_varh", 0x0124, K), ("reactive_import_l3_varh", 0x0126, K),
    ("reactive_export_varh", 0x0128, K), ("reactive_export_l1_varh", 0x012A, K),
    ("reactive_export_l2_varh", 0x012C, K), ("reactive_export_l3_varh", 0x012E, K),
    *[(f"{q}_t{t}_{u}", 0x0130 + 12 * (t - 1) + 2 * i, K) for t in (1, 2)
      for i, (q, u) in enumerate((("energy_total", "wh"), ("energy_import", "wh"), ("energy_export", "wh"),
                                  ("reactive_total", "varh"), ("reactive_import", "varh"),
                                  ("reactive_export", "varh")))],
)

ORNO_WE517 = RegisterMap(
    model="orno_we517",
    document="Orno OR-WE-517 Modbus register list (holding 0x000E-0x003B, energy 0x0100-0x012E)",
    function="holding",
    word_order="big",
    phases=3,
    fields=(
        Field("voltage_l1_v", 0x000E, "float32"),
        Field("voltage_l2_v", 0x0010, "float32"),
        Field("voltage_l3_v", 0x0012, "float32"),
        Field("frequency_hz", 0x0014, "float32"),
        Field("current_l1_a", 0x0016, "float32"),
        Field("current_l2_a", 0x0018, "float32"),
        Field("current_l3_a", 0x001A, "float32"),
        Field("power_w", 0x001C, "float32", 1000.0),
        Field("power_l1_w", 0x001E, "float32", 1000.0),
        Field("power_l2_w", 0x0020, "float32", 1000.0),
        Field("power_l3_w", 0x0022, "float32", 1000.0),
        Field("power_factor", 0x0034, "float32"),
        Field("energy_import_wh", 0x0108, "float32", 1000.0),
    ),
    table=TABLE,
)
