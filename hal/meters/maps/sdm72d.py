"""Eastron SDM72D-M (V2).

Follows "Eastron SDM72D-M-2 Modbus Protocol": for every quantity we read it
has the SDM630 V2 layout (input registers, float32, high word first, kWh;
serial number in holding register 0xFC00), so the fields are the SDM630's;
its list is shorter than the SDM630's, so its table is its own.
"""

from dataclasses import replace

from hal.meters.maps.sdm630 import SDM630
from hal.meters.tables import floats

KWH = 1000.0
# The rest of the SDM72D-M-2 list, as volkszaehler/mbmd's SDM72 V2 producer names it: apparent and
# reactive power and power factor per phase, apparent and reactive power in total, export, total and
# total reactive energy.
TABLE = floats(
    ("apparent_l1_va", 0x0012), ("apparent_l2_va", 0x0014), ("apparent_l3_va", 0x0016),
    ("reactive_l1_var", 0x0018), ("reactive_l2_var", 0x001A), ("reactive_l3_var", 0x001C),
    ("power_factor_l1", 0x001E), ("power_factor_l2", 0x0020), ("power_factor_l3", 0x0022),
    ("apparent_va", 0x0038), ("reactive_var", 0x003C),
    ("energy_export_wh", 0x004A, KWH), ("energy_total_wh", 0x0156, KWH), ("reactive_total_varh", 0x0158, KWH),
)

SDM72D = replace(
    SDM630,
    model="sdm72d",
    document="Eastron SDM72D-M-2 Modbus Protocol (input registers 30001-30075, 30343-30346, holding 0xFC00)",
    table=TABLE,
)
