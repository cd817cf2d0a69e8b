"""A meter model's register map as data, and its decoding with pymodbus.

Each Field names a canonical quantity (see QUANTITIES), where it lives, its
data type and the factor to our unit (Wh, W, A, V, Hz, power factor). The map
says which function reads it (input or holding registers) and the word order
of multi-register values; byte order within a register is always big-endian
(Modbus). Decoding uses pymodbus's own converters, never hand-written struct.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymodbus.client.mixin import ModbusClientMixin

DT = ModbusClientMixin.DATATYPE
WORDS = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2, "int64": 4, "uint64": 4, "ascii14": 7,
         "ascii8": 4, "t5": 2, "t6": 2}
# Iskra's T5/T6 (WM3M4 manual): a signed decimal exponent in the first byte, then a 24-bit value
# (unsigned for T5, two's complement for T6). No library knows them, so they are decoded here.
DECADE = {"t5": False, "t6": True}
DATATYPES = {
    "int16": DT.INT16, "uint16": DT.UINT16, "int32": DT.INT32, "uint32": DT.UINT32,
    "float32": DT.FLOAT32, "int64": DT.INT64, "uint64": DT.UINT64,
}
QUANTITIES = (
    "energy_import_wh", "power_w", "power_l1_w", "power_l2_w", "power_l3_w",
    "current_l1_a", "current_l2_a", "current_l3_a", "voltage_l1_v", "voltage_l2_v", "voltage_l3_v",
    "frequency_hz", "power_factor",
)


@dataclass(frozen=True)
class Field:
    quantity: str
    address: int
    kind: str
    factor: float = 1.0  # raw value x factor = value in our unit
    exponent: int | None = None  # a decimal-point register: raw x 10^(its value - exponent_base) x factor
    exponent_base: int = 3  # Acrel's decimal point counts from 3; Iskra's energy exponent from 0

    @property
    def words(self) -> int:
        return WORDS[self.kind]

    @property
    def start(self) -> int:
        """The first register this field needs, its decimal point included."""
        return min(self.address, self.address if self.exponent is None else self.exponent)

    @property
    def end(self) -> int:
        """One past the last register this field needs, its decimal point included."""
        return max(self.address + self.words, (self.exponent or 0) + 1)


@dataclass(frozen=True)
class RegisterMap:
    model: str
    document: str  # the vendor document this map follows
    function: str  # "input" (FC 04) or "holding" (FC 03)
    word_order: str  # "big": high word first; "little": low word first
    phases: int
    fields: tuple[Field, ...]
    serial: Field | None = None  # read with `serial_function`
    serial_function: str = "holding"
    max_block: int = 40  # registers per request the meter accepts
    current: str = "ac"  # "dc": a DC meter (one line, no frequency or power factor)
    # Every other register the vendor lists, in the map's function (hal.meters.tables names their
    # quantities): the simulator serves them, and a map with one never asks for an unlisted register.
    table: tuple[Field, ...] = ()
    # The settings the vendor lists in the other function (an Eastron's holding registers: demand
    # period, meter ID, baud rate...): served by the simulator, never read by the controller.
    settings: tuple[Field, ...] = ()
    # What the meter answers for a register it does not list inside its register area: None, the
    # exception "illegal data address"; a word, a normal answer of that word in each such register
    # (ABB's "invalid", 0xFFFF), so requests may span them.
    unlisted_word: int | None = None

    def listed(self, function: str) -> list[Field]:
        """Every field of `function` the vendor lists (fields and table, or settings; serial number)."""
        fields = list(self.fields + self.table) if function == self.function else list(self.settings)
        if self.serial is not None and self.serial_function == function:
            fields.append(self.serial)
        return fields

    def documented(self, function: str) -> set[int]:
        """The registers of `function` the vendor lists."""
        return {a for f in self.listed(function) for a in range(f.start, f.end)}

    def blocks(self) -> list[tuple[int, int, list[Field]]]:
        """Requests covering every field: (start, count, fields), gaps under 8 words merged (only gaps of
        listed registers, for a map with a whole table whose meter answers an unlisted one with an
        exception)."""
        ordered = sorted(self.fields, key=lambda f: f.start)
        listed = self.documented(self.function) if self.table and self.unlisted_word is None else None
        blocks: list[tuple[int, int, list[Field]]] = []
        for f in ordered:
            if blocks:
                start, count, fields = blocks[-1]
                gap = range(start + count, f.start)
                if len(gap) < 8 and f.end - start <= self.max_block and (listed is None or set(gap) <= listed):
                    blocks[-1] = (start, max(count, f.end - start), fields + [f])
                    continue
            blocks.append((f.start, f.end - f.start, [f]))
        return blocks

    def field(self, quantity: str) -> Field | None:
        return next((f for f in self.fields if f.quantity == quantity), None)


def _decade(registers: list[int], signed: bool) -> float:
    exponent = registers[0] >> 8
    exponent -= 256 if exponent > 127 else 0
    value = (registers[0] & 0xFF) << 16 | registers[1]
    if signed and value & 0x800000:
        value -= 1 << 24
    return value * 10.0 ** exponent


def _to_decade(value: float, signed: bool) -> list[int]:
    """The T5/T6 registers that hold `value` with the most digits 24 bits allow."""
    limit = (1 << 23) - 1 if signed else (1 << 24) - 1
    for exponent in range(-6, 7):
        raw = round(value / 10.0 ** exponent)
        if abs(raw) <= limit and (signed or raw >= 0):
            raw &= 0xFFFFFF
            return [(exponent & 0xFF) << 8 | raw >> 16, raw & 0xFFFF]
    raise ValueError(f"{value} does not fit a T5/T6 register")


def decode(field: Field, registers: list[int], word_order: str) -> float | str:
    if field.kind in DECADE:
        return _decade(registers, DECADE[field.kind]) * field.factor
    if field.kind.startswith("ascii"):
        text = ModbusClientMixin.convert_from_registers(registers, DT.STRING)
        return text.replace("\x00", "").strip()
    raw = ModbusClientMixin.convert_from_registers(registers, DATATYPES[field.kind], word_order=word_order)
    return raw * field.factor


def encode(field: Field, value, word_order: str) -> list[int]:
    """The registers a meter would hold for `value` (used by the simulator and test fixtures)."""
    if field.kind.startswith("ascii"):
        text = str(value)[: field.words * 2].ljust(field.words * 2, "\x00")
        return ModbusClientMixin.convert_to_registers(text, DT.STRING)
    if field.kind in DECADE:
        return _to_decade(value / field.factor, DECADE[field.kind])
    raw = value / field.factor
    if field.kind != "float32":
        raw = int(round(raw))
    return ModbusClientMixin.convert_to_registers(raw, DATATYPES[field.kind], word_order=word_order)


def decode_block(fields: list[Field], start: int, registers: list[int], word_order: str) -> dict[str, float]:
    values = {}
    for f in fields:
        offset = f.address - start
        values[f.quantity] = decode(f, registers[offset:offset + f.words], word_order)
        if f.exponent is not None:
            point = registers[f.exponent - start]
            values[f.quantity] *= 10.0 ** ((point - 65536 if point > 32767 else point) - f.exponent_base)
    return values


def encode_scaled(field: Field, value: float) -> tuple[list[int], int]:
    """For a field with a decimal-point register: the registers and the decimal point that hold
    `value` with the most digits its register allows (the simulator's side)."""
    bits = 16 * field.words - (1 if field.kind.startswith("int") else 0)
    for point in range(0, 7):
        raw = value / field.factor / 10.0 ** (point - field.exponent_base)
        if abs(round(raw)) < 1 << bits:
            return ModbusClientMixin.convert_to_registers(int(round(raw)), DATATYPES[field.kind]), point
    raise ValueError(f"{field.quantity}: {value} does not fit its register")
