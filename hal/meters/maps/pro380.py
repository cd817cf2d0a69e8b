"""Inepro PRO380 (3-phase, MID).

Holding registers (FC 03), IEEE 754 float32 high word first, as the PRO380 user manual V2.18 lists
them and volkszaehler/mbmd's Inepro producer reads them: phase voltages V from 0x5002, frequency Hz
at 0x5008, phase currents A from 0x500C, active power in kW in total at 0x5012 and per phase from
0x5014, total power factor at 0x502A, total import active energy in kWh at 0x600C.
"""

from hal.meters.registers import Field, RegisterMap

PRO380 = RegisterMap(
    model="pro380",
    document="Inepro PRO380 user manual V2.18 (holding 0x5000-0x5031, 0x6000-0x6047)",
    function="holding",
    word_order="big",
    phases=3,
    fields=(
        Field("voltage_l1_v", 0x5002, "float32"),
        Field("voltage_l2_v", 0x5004, "float32"),
        Field("voltage_l3_v", 0x5006, "float32"),
        Field("frequency_hz", 0x5008, "float32"),
        Field("current_l1_a", 0x500C, "float32"),
        Field("current_l2_a", 0x500E, "float32"),
        Field("current_l3_a", 0x5010, "float32"),
        Field("power_w", 0x5012, "float32", 1000.0),
        Field("power_l1_w", 0x5014, "float32", 1000.0),
        Field("power_l2_w", 0x5016, "float32", 1000.0),
        Field("power_l3_w", 0x5018, "float32", 1000.0),
        Field("power_factor", 0x502A, "float32"),
        Field("energy_import_wh", 0x600C, "float32", 1000.0),
    ),
)
