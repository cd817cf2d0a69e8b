"""Carlo Gavazzi EM340 (and ET340).

Follows "EM330/EM340/ET330/ET340 communication protocol" (Carlo Gavazzi):
registers readable with FC 03 or 04, INT32 values with the LEAST significant
word first, INT16 single words. V x10, A x1000, W x10, PF x1000, Hz x10,
kWh (+) TOT at 0x0034 x10. Serial number 0x5000, 7 registers of ASCII.
"""

from hal.meters.registers import Field, RegisterMap
from hal.meters.tables import typed

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
# The rest of that block in both documents: line-to-line voltages, VA and var per phase, the system's
# L-N and L-L voltages, VA and var (all x10).
CG_INSTANTANEOUS_TABLE = typed(
    "int32", ("voltage_l1_l2_v", 0x0006, 0.1), ("voltage_l2_l3_v", 0x0008, 0.1), ("voltage_l3_l1_v", 0x000A, 0.1),
    ("apparent_l1_va", 0x0018, 0.1), ("apparent_l2_va", 0x001A, 0.1), ("apparent_l3_va", 0x001C, 0.1),
    ("reactive_l1_var", 0x001E, 0.1), ("reactive_l2_var", 0x0020, 0.1), ("reactive_l3_var", 0x0022, 0.1),
    ("voltage_avg_v", 0x0024, 0.1), ("voltage_ll_avg_v", 0x0026, 0.1), ("apparent_va", 0x002A, 0.1),
    ("reactive_var", 0x002C, 0.1))


def cg_table(pf_l1: int, sequence: int, import_l1: int, export: int) -> tuple[Field, ...]:
    """A Carlo Gavazzi meter's listed registers beyond what we read: the shared block, then where this
    model keeps the phases' power factors (int16 x1000), the phase sequence word, the import energy per
    phase and the export energy (int32, 0.1 kWh) as volkszaehler/mbmd's producer for it reads them."""
    return CG_INSTANTANEOUS_TABLE + typed(
        "int16", *[(f"power_factor_l{i + 1}", pf_l1 + i, 0.001) for i in range(3)], ("phase_sequence", sequence)
    ) + typed("int32", *[(f"energy_import_l{i + 1}_wh", import_l1 + 2 * i, 100.0) for i in range(3)],
              ("energy_export_wh", export, 100.0))


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
    table=cg_table(pf_l1=0x002E, sequence=0x0032, import_l1=0x0040, export=0x004E),
)
