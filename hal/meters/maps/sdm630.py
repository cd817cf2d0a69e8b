"""Eastron SDM630 Modbus V2.

Follows "Eastron SDM630 Modbus Protocol" (V2 register list): input registers
(FC 04) 30001 onwards, IEEE 754 float32, high word first; serial number in
holding register 0xFC00 (uint32). Energy registers count kWh.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import EASTRON_3P_SETTINGS, EASTRON_SETTINGS, floats, typed

KWH = 1000.0
# The rest of Eastron's input register list, as reaper7's SDM_Energy_Meter library names it.
TABLE = floats(
    ("apparent_l1_va", 0x0012), ("apparent_l2_va", 0x0014), ("apparent_l3_va", 0x0016),
    ("reactive_l1_var", 0x0018), ("reactive_l2_var", 0x001A), ("reactive_l3_var", 0x001C),
    ("power_factor_l1", 0x001E), ("power_factor_l2", 0x0020), ("power_factor_l3", 0x0022),
    ("phase_angle_l1_deg", 0x0024), ("phase_angle_l2_deg", 0x0026), ("phase_angle_l3_deg", 0x0028),
    ("voltage_avg_v", 0x002A), ("current_avg_a", 0x002E), ("current_sum_a", 0x0030),
    ("apparent_va", 0x0038), ("reactive_var", 0x003C), ("phase_angle_deg", 0x0042),
    ("energy_export_wh", 0x004A, KWH), ("reactive_import_varh", 0x004C, KWH), ("reactive_export_varh", 0x004E, KWH),
    ("power_demand_w", 0x0054), ("power_demand_max_w", 0x0056),
    ("voltage_l1_l2_v", 0x00C8), ("voltage_l2_l3_v", 0x00CA), ("voltage_l3_l1_v", 0x00CC),
    ("voltage_ll_avg_v", 0x00CE),
    ("thd_voltage_l1_pct", 0x00EA), ("thd_voltage_l2_pct", 0x00EC), ("thd_voltage_l3_pct", 0x00EE),
    ("thd_current_l1_pct", 0x00F0), ("thd_current_l2_pct", 0x00F2), ("thd_current_l3_pct", 0x00F4),
    ("thd_voltage_avg_pct", 0x00F8), ("thd_current_avg_pct", 0x00FA),
    ("energy_total_wh", 0x0156, KWH),
    ("energy_import_l1_wh", 0x015A, KWH), ("energy_import_l2_wh", 0x015C, KWH), ("energy_import_l3_wh", 0x015E, KWH),
    ("energy_export_l1_wh", 0x0160, KWH), ("energy_export_l2_wh", 0x0162, KWH), ("energy_export_l3_wh", 0x0164, KWH),
    ("energy_total_l1_wh", 0x0166, KWH), ("energy_total_l2_wh", 0x0168, KWH), ("energy_total_l3_wh", 0x016A, KWH),
)

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
    table=TABLE,
    settings=floats(*EASTRON_SETTINGS, *EASTRON_3P_SETTINGS) + typed("uint16", ("meter_code", 0xFC02)),
)
