"""Eastron SDM630 Modbus V2.

Follows "Eastron SDM630 Modbus Protocol" (V2 register list): input registers
(FC 04) 30001 onwards, IEEE 754 float32, high word first; serial number in
holding register 0xFC00 (uint32). Energy registers count kWh.
"""

from hal.meters.registers import Field, RegisterMap

SDM630 = RegisterMap(
    model="sdm630",
    document="Eastron SDM630 Modbus Protocol V2 (input registers 30001-30343, holding 0xFC00)",
    function="input",
    word_order="big",
    phases=3,
    fields=(
        Field("voltage_l1_v", 0x0000, "float32"),
        Field("voltage_l2_v", 0x0002, "float32"),
        Field("voltage_l3_v", 0x0004, "float32"),
        Field("current_l1_a", 0x0006, "float32"),
        Field("current_l2_a", 0x0008, "float32"),
        Field("current_l3_a", 0x000A, "float32"),
        Field("power_l1_w", 0x000C, "float32"),
        Field("power_l2_w", 0x000E, "float32"),
        Field("power_l3_w", 0x0010, "float32"),
        Field("power_w", 0x0034, "float32"),
        Field("power_factor", 0x003E, "float32"),
        Field("frequency_hz", 0x0046, "float32"),
        Field("energy_import_wh", 0x0048, "float32", 1000.0),
    ),
    serial=Field("serial", 0xFC00, "uint32"),
)
