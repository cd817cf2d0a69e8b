"""Finder 7M.38 (3-phase, MID).

Input registers (FC 04) as Finder's "Modbus 7M24-7M38 v2" document lists them and
volkszaehler/mbmd's Finder 7M.38 producer reads them: IEEE 754 float32 high word first for phase
voltages V from 2500, phase currents A from 2516, active power W per phase from 2530 and in total
at 2536, total power factor at 2560, frequency Hz at 2584; the import active energy counter is an
unsigned 32-bit count of Wh at 2752.
"""

from hal.meters.registers import Field, RegisterMap

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
)
