"""Register maps decoded from raw registers written out by hand from the vendor documents.

Each fixture is the register content a real meter would return, byte and word
order included, computed on paper (not by our encoder): float32 big-endian
words for Eastron, uint64/uint32/int32 high word first for ABB, INT32 low word
first for Carlo Gavazzi.
"""

import pytest

from hal.errors import MeterError
from hal.meters.bus import ModbusMeter
from hal.meters.maps import MODELS
from hal.meters.models import MODEL_NAMES
from hal.meters.registers import QUANTITIES, decode, decode_block, encode

# (model, quantity, raw registers, expected value in our unit)
FIXTURES = [
    # Chint DTSU666: float32 in the meter's units: 2301.0 (0x450FD000) x 0.1 V; 16000.0 mA (0x467A0000)
    # = 16 A; 4999.0 (0x459C3800) x 0.01 Hz.
    ("dtsu666", "voltage_l1_v", [0x450F, 0xD000], 230.1),
    ("dtsu666", "current_l3_a", [0x467A, 0x0000], 16.0),
    ("dtsu666", "frequency_hz", [0x459C, 0x3800], 49.99),
    # Inepro PRO380: float32, power in kW: 6.9 kW = 0x40DCCCCD; 230.0 V = 0x43660000.
    ("pro380", "power_w", [0x40DC, 0xCCCD], 6900.0),
    ("pro380", "voltage_l2_v", [0x4366, 0x0000], 230.0),
    # Finder 7M.38: float32 values; the energy counter uint32 Wh: 123456 = 0x0001E240.
    ("finder_7m38", "voltage_l3_v", [0x4366, 0x0000], 230.0),
    ("finder_7m38", "energy_import_wh", [0x0001, 0xE240], 123_456.0),
    # Iskra T5/T6: decade exponent byte (two's complement) + 24-bit value. 230.1 V = 2301000 x 10^-4
    # = 0xFC_231C48; -12.345 A (T6) = -1234500 x 10^-5 = 0xFB_ED29BC. Energy: int32 counter (Wh at
    # exponent 0).
    ("iskra_wm3m4c", "voltage_l1_v", [0xFC23, 0x1C48], 230.1),
    ("iskra_wm3m4c", "current_l2_a", [0xFBED, 0x29BC], -12.345),
    ("iskra_wm3m4c", "energy_import_wh", [0x0001, 0xE240], 123_456.0),
    # Eastron: IEEE 754 float32, high word first. 230.0 = 0x43660000; 1234.5 kWh = 0x449A5000.
    ("sdm630", "voltage_l1_v", [0x4366, 0x0000], 230.0),
    ("sdm630", "current_l2_a", [0x4180, 0x0000], 16.0),  # 16.0 = 0x41800000
    ("sdm630", "energy_import_wh", [0x449A, 0x5000], 1_234_500.0),
    ("sdm630", "power_w", [0xC2C8, 0x0000], -100.0),  # -100.0 = 0xC2C80000
    ("sdm120", "frequency_hz", [0x4248, 0x0000], 50.0),  # 50.0 = 0x42480000
    ("sdm72d", "energy_import_wh", [0x3F80, 0x0000], 1000.0),  # 1.0 kWh
    # ABB B23: uint64 energy in 0.01 kWh, high word first: 12345678 = 0x0000_0000_00BC_614E.
    ("abb_b23", "energy_import_wh", [0x0000, 0x0000, 0x00BC, 0x614E], 123_456_780.0),
    ("abb_b23", "voltage_l1_v", [0x0000, 0x08FD], 230.1),  # 2301 x 0.1 V
    ("abb_b23", "current_l3_a", [0x0000, 0x0640], 16.0),  # 1600 x 0.01 A
    ("abb_b23", "power_w", [0xFFFF, 0xD8F0], -100.0),  # int32 -10000 x 0.01 W
    ("abb_b23", "frequency_hz", [0x1388], 50.0),  # 5000 x 0.01 Hz
    ("abb_b23", "power_factor", [0xFC18], -1.0),  # int16 -1000 x 0.001
    # Carlo Gavazzi: INT32 with the LEAST significant word first.
    ("em340", "voltage_l1_v", [0x08FD, 0x0000], 230.1),  # 2301 x 0.1
    ("em340", "current_l1_a", [0x3EFB, 0x0000], 16.123),  # 16123 x 0.001
    ("em340", "power_l2_w", [0xFC13, 0xFFFF], -100.5),  # -1005 x 0.1, LSW first
    ("em340", "energy_import_wh", [0x3039, 0x0000], 1_234_500.0),  # 12345 x 0.1 kWh
    ("em340", "energy_import_wh", [0x0000, 0x0001], 6_553_600.0),  # 65536 x 0.1 kWh: the high word counts
    ("em340", "frequency_hz", [0x01F4], 50.0),  # 500 x 0.1
    ("em24", "energy_import_wh", [0x3039, 0x0000], 1_234_500.0),
    ("em24", "power_factor", [0x03E8], 1.0),
    # Orno OR-WE-517: float32 high word first; powers in kW, energy in kWh.
    ("orno_we517", "voltage_l2_v", [0x4366, 0x0000], 230.0),  # 230.0 = 0x43660000
    ("orno_we517", "power_w", [0x4138, 0x0000], 11_500.0),  # 11.5 kW = 0x41380000
    ("orno_we517", "energy_import_wh", [0x449A, 0x5000], 1_234_500.0),  # 1234.5 kWh = 0x449A5000
    ("orno_we517", "frequency_hz", [0x4248, 0x0000], 50.0),
    # Schneider iEM3155: float32 high word first, powers in kW; energy INT64 in Wh, high word first.
    ("iem3155", "current_l3_a", [0x4180, 0x0000], 16.0),
    ("iem3155", "power_l1_w", [0x4038, 0x0000], 2_875.0),  # 2.875 kW = 0x40380000
    ("iem3155", "energy_import_wh", [0x0000, 0x0000, 0x0012, 0xD687], 1_234_567.0),  # 0x12D687 Wh
]


@pytest.mark.parametrize("model, quantity, raw, value", FIXTURES)
def test_vendor_encoded_registers_decode(model, quantity, raw, value):
    regmap = MODELS[model]
    field = regmap.field(quantity)
    assert decode(field, raw, regmap.word_order) == pytest.approx(value, rel=1e-6)


@pytest.mark.parametrize("model, quantity, raw, value", FIXTURES)
def test_the_simulator_encodes_what_the_vendor_documents(model, quantity, raw, value):
    regmap = MODELS[model]
    assert encode(regmap.field(quantity), value, regmap.word_order) == raw


def test_ascii_serial_numbers_of_carlo_gavazzi():
    field = MODELS["em340"].serial
    raw = [0x4B59, 0x3132, 0x3334, 0x3530, 0x3030, 0x3030, 0x3000]  # "KY12345000000" (13 chars + NUL)
    assert decode(field, raw, "little") == "KY12345000000"


# The open sources this map follows do not name its power factor register: it reads as unknown.
NO_POWER_FACTOR = {"iskra_wm3m4c"}


def test_iskra_energy_counter_scales_by_its_exponent_register():
    regmap = MODELS["iskra_wm3m4c"]
    (start, count, fields), = [b for b in regmap.blocks() if any(f.quantity == "energy_import_wh" for f in b[2])]
    registers = [0] * count
    registers[414 - start] = 1  # exponent 1: the counter counts 10 Wh
    registers[418 - start: 420 - start] = [0x0001, 0xE240]
    assert decode_block(fields, start, registers, "big")["energy_import_wh"] == 1_234_560.0
    registers[414 - start] = 0xFFFF  # -1: tenths of a Wh
    assert decode_block(fields, start, registers, "big")["energy_import_wh"] == pytest.approx(12_345.6)


def test_every_model_is_listed_and_covers_the_core_quantities():
    assert set(MODELS) == set(MODEL_NAMES)
    for regmap in MODELS.values():
        have = {f.quantity for f in regmap.fields}
        assert have <= set(QUANTITIES), regmap.model  # only names to_reading() knows
        lines = ("l1", "l2", "l3")[: regmap.phases]
        ac = {"frequency_hz"} if regmap.current == "ac" else set()
        if regmap.current == "ac" and regmap.model not in NO_POWER_FACTOR:
            ac.add("power_factor")
        assert {"energy_import_wh", "power_w"} | ac <= have, regmap.model
        assert {f"current_{p}_a" for p in lines} <= have and {f"voltage_{p}_v" for p in lines} <= have
        for start, count, _ in regmap.blocks():
            assert count <= regmap.max_block


class FakeBus:
    """Answers from a register image, counting requests; can fail like a silent meter."""

    def __init__(self, image):
        self.image = image
        self.requests = []
        self.silent = False

    def read(self, device_id, function, address, count):
        self.requests.append((function, address, count))
        if self.silent:
            raise MeterError("no answer")
        return [self.image.get((function, address + i), 0) for i in range(count)]


def image_from(model, quantities):
    regmap = MODELS[model]
    image = {}
    for quantity, raw in quantities.items():
        f = regmap.field(quantity)
        for i, word in enumerate(raw):
            image[(regmap.function, f.address + i)] = word
    return image


def test_a_whole_em340_reading_from_raw_registers():
    image = image_from("em340", {
        "energy_import_wh": [0x3039, 0x0000], "voltage_l1_v": [0x08FD, 0], "voltage_l2_v": [0x08FD, 0],
        "voltage_l3_v": [0x08FD, 0], "current_l1_a": [0x3EFB, 0], "power_w": [0x2E1C, 0x0000],
    })
    reading = ModbusMeter(FakeBus(image), 1, MODELS["em340"]).read()
    assert reading.energy_wh == pytest.approx(1_234_500.0)
    assert reading.voltages_v == pytest.approx((230.1, 230.1, 230.1))
    assert reading.currents_a == pytest.approx((16.123, 0.0, 0.0))
    assert reading.power_w == pytest.approx(1180.4)  # 0x2E1C = 11804 x 0.1 W


def test_em24_reads_respect_its_11_register_limit():
    bus = FakeBus({})
    ModbusMeter(bus, 1, MODELS["em24"]).read()
    assert all(count <= 11 for _, _, count in bus.requests)


def test_abb_uses_holding_registers_and_eastron_input_registers():
    abb, sdm = FakeBus({}), FakeBus({})
    ModbusMeter(abb, 1, MODELS["abb_b23"]).read()
    ModbusMeter(sdm, 1, MODELS["sdm630"]).read()
    assert {f for f, _, _ in abb.requests} == {"holding"}
    assert ("input", 0x0048) in {(f, a) for f, a, _ in sdm.requests} or any(
        f == "input" and a <= 0x48 < a + c for f, a, c in sdm.requests)
    assert ("holding", 0xFC00, 2) in sdm.requests  # the serial number


def test_the_serial_number_is_checked_again_after_a_failure():
    bus = FakeBus({})
    meter = ModbusMeter(bus, 1, MODELS["sdm630"])
    meter.read()
    meter.read()
    serial_reads = sum(1 for r in bus.requests if r[1] == 0xFC00)
    bus.silent = True
    with pytest.raises(MeterError):
        meter.read()
    bus.silent = False
    meter.read()
    assert sum(1 for r in bus.requests if r[1] == 0xFC00) == serial_reads + 1  # checked again on recovery


def test_the_dc_meter_reads_its_decimal_points_and_the_example_frames_of_its_driver():
    """Acrel DJSF1352-RN: the request/answer pairs quoted in a public driver of the meter, decoded."""
    regmap = MODELS["djsf1352"]
    regs = dict(enumerate([0x0000, 0x0003, 0x0000, 0x0002, 0x0000, 0x014D]))  # 01 03 00 00 00 06 -> 12 bytes
    regs |= {0x0008: 0x0000, 0x0009: 0x0005}  # power 0 with its decimal point
    regs |= dict(zip(range(0x000C, 0x0014), [0x0000, 0x521A, 0, 0, 0x0001, 0x00FA, 0, 0]))
    reading = ModbusMeter(FakeBus({("holding", a): v for a, v in regs.items()}), 1, regmap).read()
    assert reading.energy_wh == pytest.approx(210_180.0)  # 0x521A = 21018 x 0.01 kWh
    assert reading.voltages_v == (0.0,) and reading.currents_a == (0.0,) and reading.frequency_hz is None
    regs |= {0x0000: 4005, 0x0001: 2, 0x0002: (-1234) & 0xFFFF, 0x0003: 1, 0x0008: 1605, 0x0009: 2}
    reading = ModbusMeter(FakeBus({("holding", a): v for a, v in regs.items()}), 1, regmap).read()
    assert reading.voltages_v == (pytest.approx(400.5),)  # 4005 x 10^(2-3)
    assert reading.currents_a == (pytest.approx(-12.34),)  # int16, 10^(1-3)
    assert reading.power_w == pytest.approx(160_500.0)  # 1605 x 10^(2-3) kW = 160.5 kW


def test_whole_tables_name_known_quantities_and_never_overlap():
    from hal.meters.tables import TABLE_QUANTITIES

    assert [m for m, regmap in MODELS.items() if not regmap.table] == []  # every Modbus model: its whole list
    for regmap in MODELS.values():
        assert {f.quantity for f in regmap.table + regmap.settings} <= TABLE_QUANTITIES, regmap.model
        taken: set[int] = set()
        for f in regmap.fields + regmap.table:
            words = set(range(f.address, f.address + f.words)) | ({f.exponent} - {None})
            assert not words & taken, (regmap.model, f.quantity)  # one register, one meaning
            taken |= words
