"""Eastron SDM120-Modbus (single phase).

Follows "Eastron SDM120 Modbus Protocol": input registers, float32, high word
first; kWh; serial number in holding register 0xFC00.
"""

from hal.meters.registers import Field, RegisterMap

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
)
