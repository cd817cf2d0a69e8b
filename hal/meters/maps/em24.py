"""Carlo Gavazzi EM24 DIN.

Follows "EM24 DIN communication protocol" (Carlo Gavazzi): FC 03/04, INT32
least significant word first. Same instantaneous block as the EM340 up to
W sys (0x0028); PF sys 0x0035, Hz 0x0037 (x10), kWh (+) TOT 0x003E (x10).
The EM24 answers at most 11 registers per request (its documented limit for
some firmware), so reads are split. Serial number 0x5000, 7 registers ASCII.
"""

from hal.meters.registers import Field, RegisterMap

EM24 = RegisterMap(
    model="em24",
    document="Carlo Gavazzi EM24 DIN communication protocol",
    function="input",
    word_order="little",
    phases=3,
    fields=(
        Field("voltage_l1_v", 0x0000, "int32", 0.1),
        Field("voltage_l2_v", 0x0002, "int32", 0.1),
        Field("voltage_l3_v", 0x0004, "int32", 0.1),
        Field("current_l1_a", 0x000C, "int32", 0.001),
        Field("current_l2_a", 0x000E, "int32", 0.001),
        Field("current_l3_a", 0x0010, "int32", 0.001),
        Field("power_l1_w", 0x0012, "int32", 0.1),
        Field("power_l2_w", 0x0014, "int32", 0.1),
        Field("power_l3_w", 0x0016, "int32", 0.1),
        Field("power_w", 0x0028, "int32", 0.1),
        Field("power_factor", 0x0035, "int16", 0.001),
        Field("frequency_hz", 0x0037, "int16", 0.1),
        Field("energy_import_wh", 0x003E, "int32", 100.0),
    ),
    serial=Field("serial", 0x5000, "ascii14"),
    serial_function="input",
    max_block=11,
)
