"""ABB B23/B24 (EQ meters, 3-phase).

Follows ABB "B23/B24 User Manual, Modbus register map" (2CMC485003M0201):
holding registers (FC 03), integers, high word first. Active import energy
0x5000 uint64 in 0.01 kWh; voltages 0x5B00.. uint32 0.1 V; currents 0x5B0C..
uint32 0.01 A; active power 0x5B14.. int32 0.01 W; frequency 0x5B2C uint16
0.01 Hz; power factor 0x5B3A int16 0.001; serial number 0x8900 uint32.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import typed

# The rest of the register list, as volkszaehler/mbmd's ABB A/B-series producer names it (after the
# same manual): export energy, import and export per phase (0.01 kWh), power factor per phase.
TABLE = typed("uint64", ("energy_export_wh", 0x5004, 10.0),
              ("energy_import_l1_wh", 0x5460, 10.0), ("energy_import_l2_wh", 0x5464, 10.0),
              ("energy_import_l3_wh", 0x5468, 10.0), ("energy_export_l1_wh", 0x546C, 10.0),
              ("energy_export_l2_wh", 0x5470, 10.0), ("energy_export_l3_wh", 0x5474, 10.0)) + typed(
    "int16", ("power_factor_l1", 0x5B3B, 0.001), ("power_factor_l2", 0x5B3C, 0.001), ("power_factor_l3", 0x5B3D, 0.001))

ABB_B23 = RegisterMap(
    model="abb_b23",
    document="ABB B23/B24 Modbus register map, 2CMC485003M0201",
    function="holding",
    word_order="big",
    phases=3,
    fields=(
        Field("energy_import_wh", 0x5000, "uint64", 10.0),
        Field("voltage_l1_v", 0x5B00, "uint32", 0.1),
        Field("voltage_l2_v", 0x5B02, "uint32", 0.1),
        Field("voltage_l3_v", 0x5B04, "uint32", 0.1),
        Field("current_l1_a", 0x5B0C, "uint32", 0.01),
        Field("current_l2_a", 0x5B0E, "uint32", 0.01),
        Field("current_l3_a", 0x5B10, "uint32", 0.01),
        Field("power_w", 0x5B14, "int32", 0.01),
        Field("power_l1_w", 0x5B16, "int32", 0.01),
        Field("power_l2_w", 0x5B18, "int32", 0.01),
        Field("power_l3_w", 0x5B1A, "int32", 0.01),
        Field("frequency_hz", 0x5B2C, "uint16", 0.01),
        Field("power_factor", 0x5B3A, "int16", 0.001),
    ),
    serial=Field("serial", 0x8900, "uint32"),
    table=TABLE,
    # The manual: an unused register within the mapping area gets a normal answer with the value
    # "invalid", FFFF in each register (for signed quantities 7FFF..., which we do not tell apart).
    unlisted_word=0xFFFF,
)
