"""Carlo Gavazzi EM340 (and ET340).

Follows "EM330/EM340/ET330/ET340 communication protocol" (Carlo Gavazzi):
registers readable with FC 03 or 04, INT32 values with the LEAST significant
word first, INT16 single words. V x10, A x1000, W x10, PF x1000, Hz x10,
kWh (+) TOT at 0x0034 x10. Serial number 0x5000, 7 registers of ASCII.
"""

from hal.meters.registers import Field, RegisterMap

# The instantaneous block the EM24 DIN and the EM3x0 share (V, A, W per phase, W sys).
CG_INSTANTANEOUS = (
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
)

EM340 = RegisterMap(
    model="em340",
    document="Carlo Gavazzi EM330/EM340/ET330/ET340 communication protocol",
    function="input",
    word_order="little",
    phases=3,
    fields=CG_INSTANTANEOUS + (
        Field("power_factor", 0x0031, "int16", 0.001),
        Field("frequency_hz", 0x0033, "int16", 0.1),
        Field("energy_import_wh", 0x0034, "int32", 100.0),
    ),
    serial=Field("serial", 0x5000, "ascii14"),
    serial_function="input",
)
