"""Chint DTSU666 (3-phase, DIN rail).

Holding registers (FC 03), IEEE 754 float32 high word first, in the meter's own units as the Chint
DTSU666 user manual lists them and open drivers read them (volkszaehler/mbmd's DTSU666 producer, a
DTSU666 emulator by michielfromNL): phase voltages from 0x2006 in 0.1 V (0x2000-0x2004 are the
line-to-line voltages), phase currents from 0x200C in mA, active power in total at 0x2012 and per
phase from 0x2014 in 0.1 W, total power factor at 0x202A in thousandths, frequency at 0x2044 in
0.01 Hz, (current) positive total active energy at 0x101E in kWh. Some firmware keeps the energy at
0x401E instead: check at commissioning (`evse selftest` reads it).
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import floats

K = 1000.0  # kWh
# The rest of the list, as volkszaehler/mbmd's DTSU666 producer and the emulator name it: line-to-line
# voltages (0.1 V), reactive power in total and per phase (0.1 var), the phases' power factors
# (thousandths), import energy per phase, export energy in total and per phase (kWh).
TABLE = floats(
    ("voltage_l1_l2_v", 0x2000, 0.1), ("voltage_l2_l3_v", 0x2002, 0.1), ("voltage_l3_l1_v", 0x2004, 0.1),
    ("reactive_var", 0x201A, 0.1), ("reactive_l1_var", 0x201C, 0.1), ("reactive_l2_var", 0x201E, 0.1),
    ("reactive_l3_var", 0x2020, 0.1), ("power_factor_l1", 0x202C, 0.001), ("power_factor_l2", 0x202E, 0.001),
    ("power_factor_l3", 0x2030, 0.001),
    ("energy_import_l1_wh", 0x1020, K), ("energy_import_l2_wh", 0x1022, K), ("energy_import_l3_wh", 0x1024, K),
    ("energy_export_wh", 0x1028, K), ("energy_export_l1_wh", 0x102A, K), ("energy_export_l2_wh", 0x102C, K),
    ("energy_export_l3_wh", 0x102E, K),
)

DTSU666 = RegisterMap(
    model="dtsu666",
    document="Chint DTSU666 user manual (holding 0x101E, 0x2006-0x2045)",
    function="holding",
    word_order="big",
    phases=3,
    fields=(
        Field("voltage_l1_v", 0x2006, "float32", 0.1),
        Field("voltage_l2_v", 0x2008, "float32", 0.1),
        Field("voltage_l3_v", 0x200A, "float32", 0.1),
        Field("current_l1_a", 0x200C, "float32", 0.001),
        Field("current_l2_a", 0x200E, "float32", 0.001),
        Field("current_l3_a", 0x2010, "float32", 0.001),
        Field("power_w", 0x2012, "float32", 0.1),
        Field("power_l1_w", 0x2014, "float32", 0.1),
        Field("power_l2_w", 0x2016, "float32", 0.1),
        Field("power_l3_w", 0x2018, "float32", 0.1),
        Field("power_factor", 0x202A, "float32", 0.001),
        Field("frequency_hz", 0x2044, "float32", 0.01),
        Field("energy_import_wh", 0x101E, "float32", 1000.0),
    ),
    table=TABLE,
)
