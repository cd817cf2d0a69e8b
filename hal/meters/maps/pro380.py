"""Inepro PRO380 (3-phase, MID).

Holding registers (FC 03), IEEE 754 float32 high word first, as the PRO380 user manual V2.18 lists
them and volkszaehler/mbmd's Inepro producer reads them: phase voltages V from 0x5002, frequency Hz
at 0x5008, phase currents A from 0x500C, active power in kW in total at 0x5012 and per phase from
0x5014, total power factor at 0x502A, total import active energy in kWh at 0x600C.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import floats

K = 1000.0  # kvar, kVA, kWh, kvarh


def _counters(quantity: str, unit: str, at: int) -> list[tuple[str, int, float]]:
    """One counter block of the 0x6000 area: total, tariff 1, tariff 2, L1, L2, L3."""
    names = [f"{quantity}_{unit}", f"{quantity}_t1_{unit}", f"{quantity}_t2_{unit}",
             *[f"{quantity}_{p}_{unit}" for p in ("l1", "l2", "l3")]]
    return [(name, at + 2 * i, K) for i, name in enumerate(names)]


# The rest of the register list, as volkszaehler/mbmd's Inepro producer names it (0x500A taken as the
# sum of the phase currents).
TABLE = floats(
    ("voltage_avg_v", 0x5000), ("current_sum_a", 0x500A),
    ("reactive_var", 0x501A, K), ("reactive_l1_var", 0x501C, K), ("reactive_l2_var", 0x501E, K),
    ("reactive_l3_var", 0x5020, K), ("apparent_va", 0x5022, K), ("apparent_l1_va", 0x5024, K),
    ("apparent_l2_va", 0x5026, K), ("apparent_l3_va", 0x5028, K),
    ("power_factor_l1", 0x502C), ("power_factor_l2", 0x502E), ("power_factor_l3", 0x5030),
    *_counters("energy_total", "wh", 0x6000),
    *[c for c in _counters("energy_import", "wh", 0x600C) if c[1] != 0x600C],  # 0x600C is a field
    *_counters("energy_export", "wh", 0x6018), *_counters("reactive_total", "varh", 0x6024),
    *_counters("reactive_import", "varh", 0x6030), *_counters("reactive_export", "varh", 0x603C),
)

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
    table=TABLE,
)
