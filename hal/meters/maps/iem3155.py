"""Schneider Electric iEM3155 (iEM3100/3200 family, 3-phase, MID).

Holding registers (FC 03), high word first, as the vendor's iEM3000 register list numbers them less
one (the list counts from 1): phase currents float32 A from 2999, phase-to-neutral voltages float32
V from 3027, active power per phase float32 kW from 3053 and in total at 3059, total power factor
float32 at 3083 (as the meter signs it), frequency float32 Hz at 3109, total active energy import
INT64 Wh at 3203. Factory line settings: 19200 baud, 8E1.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import floats, typed

# The rest of the list, as volkszaehler/mbmd's iEM3000 producer names it: average current and L-N
# voltage, total reactive and apparent power (float32, kvar and kVA), export and reactive energies and
# the import energy per phase (INT64, Wh and varh).
TABLE = floats(("current_avg_a", 3009), ("voltage_avg_v", 3035), ("reactive_var", 3067, 1000.0),
               ("apparent_va", 3075, 1000.0)) + typed(
    "int64", ("energy_export_wh", 3207), ("reactive_import_varh", 3219), ("reactive_export_varh", 3223),
    ("energy_import_l1_wh", 3517), ("energy_import_l2_wh", 3521), ("energy_import_l3_wh", 3525))

IEM3155 = RegisterMap(
    model="iem3155",
    document="Schneider Electric iEM3100/iEM3200 Modbus register list (3000-3110, 3204)",
    function="holding",
    word_order="big",
    phases=3,
    fields=(
        Field("current_l1_a", 2999, "float32"),
        Field("current_l2_a", 3001, "float32"),
        Field("current_l3_a", 3003, "float32"),
        Field("voltage_l1_v", 3027, "float32"),
        Field("voltage_l2_v", 3029, "float32"),
        Field("voltage_l3_v", 3031, "float32"),
        Field("power_l1_w", 3053, "float32", 1000.0),
        Field("power_l2_w", 3055, "float32", 1000.0),
        Field("power_l3_w", 3057, "float32", 1000.0),
        Field("power_w", 3059, "float32", 1000.0),
        Field("power_factor", 3083, "float32"),
        Field("frequency_hz", 3109, "float32"),
        Field("energy_import_wh", 3203, "int64"),
    ),
    table=TABLE,
)
