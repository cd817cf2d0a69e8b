"""Eastron SDM120-Modbus (single phase).

Follows "Eastron SDM120 Modbus Protocol": input registers, float32, high word
first; kWh; serial number in holding register 0xFC00.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import EASTRON_SETTINGS, floats

KWH = 1000.0
# The rest of Eastron's input register list, as reaper7's SDM_Energy_Meter library names it (SDM120CT).
TABLE = floats(
    ("apparent_l1_va", 0x0012), ("reactive_l1_var", 0x0018), ("phase_angle_l1_deg", 0x0024),
    ("energy_export_wh", 0x004A, KWH), ("reactive_import_varh", 0x004C, KWH), ("reactive_export_varh", 0x004E, KWH),
    ("energy_total_wh", 0x0156, KWH), ("reactive_total_varh", 0x0158, KWH),
)

SDM120 = RegisterMap(
    model="sdm120",
    document="Eastron SDM120 Modbus Protocol (input registers 30001-30073, holding 0xFC00)",
    function="input",
    word_order="big",
    phases=1,
    fields=(
        Field("voltage_l1_v", 0x0000, "float32"),
        Field("current_l1_a", 0x0006, "float32"),
        Field("power_w", 0x000C, "float32"),
        Field("power_factor", 0x001E, "float32"),
        Field("frequency_hz", 0x0046, "float32"),
        Field("energy_import_wh", 0x0048, "float32", 1000.0),
    ),
    serial=Field("serial", 0xFC00, "uint32"),
    table=TABLE,
    settings=floats(*EASTRON_SETTINGS),
)
