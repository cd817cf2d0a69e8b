"""Iskra WM3M4C (3-phase, MID, signs its readings for the German calibration law).

Input registers (FC 04), numbered as the WM3M4 user manual's list less one, as the open drivers of
EVerest (RsIskraMeter) and Tinkerforge (evse-v2-bricklet) read them: model name from 1, serial
number (8 characters) from 9, frequency T5 at 105, phase voltages T5 from 107, phase currents T6
from 126, total active power T6 at 140 and per phase from 142, the import energy counter (int32)
at 418 with its decimal exponent at 414 (the counter x 10^exponent in Wh). T5/T6 hold a decade
exponent and a 24-bit value (hal.meters.registers). The signing registers are in
hal.meters.iskra_signing. Factory line settings: 115200 baud, address 33.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import typed

# The rest of the list as EVerest's RsIskraMeter reads it: reactive power in total and per phase (T6),
# and the export energy counter (int32) at 420 with its exponent at 415.
TABLE = typed("t6", ("reactive_var", 148), ("reactive_l1_var", 150), ("reactive_l2_var", 152),
              ("reactive_l3_var", 154)) + (Field("energy_export_wh", 420, "int32", exponent=415, exponent_base=0),)

ISKRA_WM3M4C = RegisterMap(
    model="iskra_wm3m4c",
    document="Iskra WM3M4/WM3M4C user manual v1.14 (input registers 1-421, holding 7000-8220)",
    function="input",
    word_order="big",
    phases=3,
    fields=(
        Field("frequency_hz", 105, "t5"),
        Field("voltage_l1_v", 107, "t5"),
        Field("voltage_l2_v", 109, "t5"),
        Field("voltage_l3_v", 111, "t5"),
        Field("current_l1_a", 126, "t6"),
        Field("current_l2_a", 128, "t6"),
        Field("current_l3_a", 130, "t6"),
        Field("power_w", 140, "t6"),
        Field("power_l1_w", 142, "t6"),
        Field("power_l2_w", 144, "t6"),
        Field("power_l3_w", 146, "t6"),
        Field("energy_import_wh", 418, "int32", exponent=414, exponent_base=0),
    ),
    serial=Field("serial", 9, "ascii8"),
    serial_function="input",
    table=TABLE,
)
