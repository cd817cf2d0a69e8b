"""Orno OR-WE-517 (3-phase, MID).

Holding registers (FC 03), IEEE 754 float32, high word first, in the vendor's register list as the
public open-source drivers of the meter read it (Tasmota's WE517 driver, ya-modbus's OR-WE-51x): the
phase voltages from 0x000E, frequency 0x0014, phase currents from 0x0016, total active power 0x001C
and per phase from 0x001E in kW, total power factor 0x0034, and the energy counters from 0x0100 in
kWh, of which forward (imported) active energy is 0x0108. Factory line settings: 9600 baud, 8E1.
"""

from hal.meters.registers import Field, RegisterMap

ORNO_WE517 = RegisterMap(
    model="orno_we517",
    document="Orno OR-WE-517 Modbus register list (holding 0x000E-0x003B, energy 0x0100-0x012E)",
    function="holding",
    word_order="big",
    phases=3,
    fields=(
        Field("voltage_l1_v", 0x000E, "float32"),
        Field("voltage_l2_v", 0x0010, "float32"),
        Field("voltage_l3_v", 0x0012, "float32"),
        Field("frequency_hz", 0x0014, "float32"),
        Field("current_l1_a", 0x0016, "float32"),
        Field("current_l2_a", 0x0018, "float32"),
        Field("current_l3_a", 0x001A, "float32"),
        Field("power_w", 0x001C, "float32", 1000.0),
        Field("power_l1_w", 0x001E, "float32", 1000.0),
        Field("power_l2_w", 0x0020, "float32", 1000.0),
        Field("power_l3_w", 0x0022, "float32", 1000.0),
        Field("power_factor", 0x0034, "float32"),
        Field("energy_import_wh", 0x0108, "float32", 1000.0),
    ),
)
