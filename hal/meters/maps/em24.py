"""Carlo Gavazzi EM24 DIN.

Follows "EM24 DIN communication protocol" (Carlo Gavazzi): FC 03/04, INT32
least significant word first. Same instantaneous block as the EM340 up to
W sys (0x0028); PF sys 0x0035, Hz 0x0037 (x10), kWh (+) TOT 0x003E (x10).
The EM24 answers at most 11 registers per request (its documented limit for
some firmware), so reads are split. Serial number 0x5000, 7 registers ASCII.
"""

from hal.meters.maps.em340 import CG_INSTANTANEOUS, cg_table
from hal.meters.registers import Field, RegisterMap

EM24 = RegisterMap(
    model="em24",
    document="Carlo Gavazzi EM24 DIN communication protocol",
    function="input",
    word_order="little",
    phases=3,
    fields=CG_INSTANTANEOUS + (
        Field("power_factor", 0x0035, "int16", 0.001),
        Field("frequency_hz", 0x0037, "int16", 0.1),
        Field("energy_import_wh", 0x003E, "int32", 100.0),
    ),
    serial=Field("serial", 0x5000, "ascii14"),
    serial_function="input",
    max_block=11,
    table=cg_table(pf_l1=0x0032, sequence=0x0036, import_l1=0x0046, export=0x005C),
)
