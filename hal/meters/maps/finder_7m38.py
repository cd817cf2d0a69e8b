"""Finder 7M.38 (3-phase, MID).

Input registers (FC 04) as Finder's "Modbus 7M24-7M38 v2" document lists them and
volkszaehler/mbmd's Finder 7M.38 producer reads them: IEEE 754 float32 high word first for phase
voltages V from 2500, phase currents A from 2516, active power W per phase from 2530 and in total
at 2536, total power factor at 2560, frequency Hz at 2584; the import active energy counter is an
unsigned 32-bit count of Wh at 2752.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import floats, typed

# The rest of the list, as volkszaehler/mbmd's Finder 7M.38 producer names it: reactive and apparent
# power per phase and in total, the phases' power factors, the phase angle, the phases' voltage THD
# (float32), and the other three energy counters beside the import one, read as it is (Wh, varh).
TABLE = floats(
    ("reactive_l1_var", 2538), ("reactive_l2_var", 2540), ("reactive_l3_var", 2542), ("reactive_var", 2544),
    ("apparent_l1_va", 2546), ("apparent_l2_va", 2548), ("apparent_l3_va", 2550), ("apparent_va", 2552),
    ("power_factor_l1", 2554), ("power_factor_l2", 2556), ("power_factor_l3", 2558), ("phase_angle_deg", 2576),
    ("thd_voltage_l1_pct", 2594), ("thd_voltage_l2_pct", 2596), ("thd_voltage_l3_pct", 2598),
) + typed("uint32", ("reactive_import_varh", 2754), ("energy_export_wh", 2756), ("reactive_export_varh", 2758))

FINDER_7M38 = RegisterMap(
    model="finder_7m38",
    document="Finder Modbus 7M24-7M38 v2 (input registers 2500-2585, 2752-2759)",
    function="input",
    word_order="big",
    phases=3,
    fields=(
        Field("voltage_l1_v", 2500, "float32"),
        Field("voltage_l2_v", 2502, "float32"),
        Field("voltage_l3_v", 2504, "float32"),
        Field("current_l1_a", 2516, "float32"),
        Field("current_l2_a", 2518, "float32"),
        Field("current_l3_a", 2520, "float32"),
        Field("power_l1_w", 2530, "float32"),
        Field("power_l2_w", 2532, "float32"),
        Field("power_l3_w", 2534, "float32"),
        Field("power_w", 2536, "float32"),
        Field("power_factor", 2560, "float32"),
        Field("frequency_hz", 2584, "float32"),
        Field("energy_import_wh", 2752, "uint32"),
    ),
    table=TABLE,
)
