"""Acrel DJSF1352-RN, a DIN-rail DC energy meter common in DC chargers (Modbus RTU).

Holding registers from 0x0000, as read by EVerest's Acrel_DJSF1352_RN driver and an open-source
charger firmware's driver of the same meter (both public): voltage (uint16) and its decimal point,
current (int16) and its decimal point, wire-break detection, internal temperature (0.1 degC), power
(int16) and its decimal point at 0x0008-0x0009, forward active energy (uint32, high word first) at
0x000C, reverse at 0x000E, then the voltage ratio, rated current, I/O and alarm words. A value with a
decimal-point register is raw x 10^(point - 3); power is in kW.

Energy: counted in 0.01 kWh as Acrel's meters of this family document it (DDSY1352: "calculation
factor 0.01, unit kWh"); EVerest's driver takes the raw count as Wh. Confirm on the meter's display
at commissioning before billing with it. The meter has no serial number register we know of.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import typed

# The rest of the list, as an open-source charger firmware's driver of the meter reads it (its poll
# requests 0x0000+6, 0x0008+2, 0x000C+8, 0x001E+4, 0x0023+1): wire-break detection, internal
# temperature (0.1 degC), reverse energy, voltage ratio, rated current, I/O and alarm words, the clock
# as byte pairs (year-month, day-hour, minute-second), meter-reading day and tariff, software version.
TABLE = typed("uint16", ("wire_break", 0x0004), ("voltage_ratio", 0x0010), ("rated_current_a", 0x0011),
              ("io_status", 0x0012), ("alarm_status", 0x0013), ("clock_year_month", 0x001E),
              ("clock_day_hour", 0x001F), ("clock_minute_second", 0x0020), ("reading_day_tariff", 0x0021),
              ("software_version", 0x0023)) + typed(
    "int16", ("temperature_c", 0x0005, 0.1)) + typed("uint32", ("energy_export_wh", 0x000E, 10.0))

DJSF1352 = RegisterMap(
    model="djsf1352",
    document="Acrel DJSF1352-RN (registers as established by EVerest's Acrel_DJSF1352_RN driver)",
    function="holding",
    word_order="big",
    phases=1,
    current="dc",
    fields=(
        Field("voltage_l1_v", 0x0000, "uint16", exponent=0x0001),
        Field("current_l1_a", 0x0002, "int16", exponent=0x0003),
        Field("power_w", 0x0008, "int16", 1000.0, exponent=0x0009),
        Field("energy_import_wh", 0x000C, "uint32", 10.0),
    ),
    table=TABLE,
)
