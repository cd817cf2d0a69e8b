"""Eastron SDM72D-M (V2).

Follows "Eastron SDM72D-M-2 Modbus Protocol": for every quantity we read it
has the SDM630 V2 layout (input registers, float32, high word first, kWh;
serial number in holding register 0xFC00), so the map is the SDM630's.
"""

from dataclasses import replace

from hal.meters.maps.sdm630 import SDM630

SDM72D = replace(
    SDM630,
    model="sdm72d",
    document="Eastron SDM72D-M-2 Modbus Protocol (input registers 30001-30075, holding 0xFC00)",
)
